// StreamActor: keeps the governance stream up. It connects, reconnects with exponential backoff and
// seeded jitter, buffers outgoing messages while down (bounded: peg operations themselves are
// persisted by the BridgeActor, which asks again after a crash, so an overflow loses no operation),
// resends what governance has not answered after each reconnect, times out and retries signature
// requests, drops duplicate answers, and hands governance's messages to the bridge actors. Nothing
// governance sends can crash it: malformed input is counted and dropped.
import type { GovernanceMessage, NodeMessage, SignatureResponse } from '../governance/messages.ts';
import type { GovernanceLink, GovernanceStream } from '../io/governance.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';

export const streamActorName = 'stream';

export interface StreamHealth {
  readonly connected: boolean;
  readonly reconnects: number;
  readonly buffered: number;
  readonly unanswered: number;
  readonly malformed: number;
}

/** What the StreamActor hands on: to the bridge (signatures, federation, proposals). */
export type GovernanceInbound =
  | { readonly type: 'signature'; readonly response: SignatureResponse }
  | { readonly type: 'federation'; readonly update: Extract<GovernanceMessage, { kind: 'federation' }>['update'] }
  | { readonly type: 'proposal'; readonly action: 'emergency-pause' | 'resume' | 'other'; readonly proposalId: string };

export type StreamMsg =
  | { readonly type: 'send'; readonly message: NodeMessage }
  | { readonly type: 'connected'; readonly stream: GovernanceStream; readonly attempt: number }
  | { readonly type: 'connect-failed'; readonly reason: string; readonly attempt: number }
  | { readonly type: 'closed'; readonly reason: string; readonly attempt: number }
  | { readonly type: 'inbound'; readonly message: GovernanceMessage; readonly attempt: number }
  | { readonly type: 'malformed'; readonly error: string }
  | { readonly type: 'reconnect' }
  | { readonly type: 'tick' }
  | Ask<{ readonly type: 'health' }, StreamHealth>;

export interface StreamConfig {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly signTimeoutMs: number;
  readonly bufferLimit: number;
  readonly heartbeatEveryMs: number;
}

export const streamDefaults: StreamConfig = { initialBackoffMs: 200, maxBackoffMs: 10_000, signTimeoutMs: 30_000, bufferLimit: 1_024, heartbeatEveryMs: 5_000 };

export interface StreamDeps {
  readonly link: GovernanceLink;
  readonly config: StreamConfig;
  /** Where governance's messages go (the BridgeActor). */
  readonly deliver: (m: GovernanceInbound) => void;
  readonly sometimes: (probe: string) => void;
}

interface Unanswered {
  readonly message: NodeMessage;
  sentAt: number;
}

const TICK_MS = 1_000;

export function streamActor(d: StreamDeps): ActorSpec<StreamMsg> {
  return actor<StreamMsg>({
    name: streamActorName,
    mailbox: { capacity: 4_096, overflow: 'drop-oldest' },
    create: (ctx) => new StreamNode(ctx, d).behavior(),
  });
}

/** The key governance answers a message by: request id for signatures, message id otherwise. */
const answerKey = (m: NodeMessage): string => (m.kind === 'sign' ? `req:${m.request.requestId}` : `msg:${m.messageId}`);

class StreamNode {
  private stream: GovernanceStream | undefined;
  private attempt = 0;
  private backoffMs: number;
  private reconnects = 0;
  private malformed = 0;
  private readonly buffer: NodeMessage[] = [];
  private readonly unanswered = new Map<string, Unanswered>();
  private readonly answered = new Set<string>();
  private lastHeartbeat = 0;
  private nextMessageId = 0;

  constructor(
    private readonly ctx: ActorContext<StreamMsg>,
    private readonly d: StreamDeps,
  ) {
    this.backoffMs = d.config.initialBackoffMs;
  }

  behavior() {
    return {
      onStart: () => {
        this.connect();
        this.ctx.setTimer(TICK_MS, { type: 'tick' });
      },
      onStop: () => this.stream?.close(),
      handlers: {
        send: (m: { message: NodeMessage }) => this.send(m.message),
        connected: (m: { stream: GovernanceStream; attempt: number }) => this.onConnected(m.stream, m.attempt),
        'connect-failed': (m: { reason: string; attempt: number }) => this.onDown(m.attempt, `connect failed: ${m.reason}`),
        closed: (m: { reason: string; attempt: number }) => this.onDown(m.attempt, m.reason),
        inbound: (m: { message: GovernanceMessage; attempt: number }) => this.onInbound(m.message),
        malformed: () => {
          this.malformed++;
          this.d.sometimes('stream.malformed-dropped');
        },
        reconnect: () => this.connect(),
        tick: () => this.onTick(),
        health: (): StreamHealth => ({ connected: this.stream !== undefined, reconnects: this.reconnects, buffered: this.buffer.length, unanswered: this.unanswered.size, malformed: this.malformed }),
      },
    };
  }

  private connect(): void {
    if (this.stream !== undefined) return;
    const attempt = ++this.attempt;
    const self = this.ctx.self;
    this.d.link
      .connect({
        onMessage: (message) => self.tell({ type: 'inbound', message, attempt }),
        onMalformed: (error) => self.tell({ type: 'malformed', error }),
        onClose: (reason) => self.tell({ type: 'closed', reason, attempt }),
      })
      .then(
        (stream) => self.tell({ type: 'connected', stream, attempt }),
        (err: unknown) => self.tell({ type: 'connect-failed', reason: err instanceof Error ? err.message : String(err), attempt }),
      );
  }

  private onConnected(stream: GovernanceStream, attempt: number): void {
    if (attempt !== this.attempt || this.stream !== undefined) {
      stream.close();
      return;
    }
    this.stream = stream;
    this.backoffMs = this.d.config.initialBackoffMs;
    this.d.sometimes('stream.connected');
    // Everything not yet answered goes again (governance deduplicates), then what was buffered.
    const resend = [...this.unanswered.values()];
    if (resend.length > 0) this.d.sometimes('stream.resent-after-reconnect');
    for (const u of resend) this.write(u.message);
    const queued = this.buffer.splice(0);
    for (const m of queued) this.send(m);
  }

  private onDown(attempt: number, reason: string): void {
    if (attempt !== this.attempt) return;
    if (this.stream !== undefined) {
      this.stream = undefined;
      this.reconnects++;
      this.d.sometimes('stream.disconnected');
    }
    void reason;
    const jitter = 1 + (this.ctx.rng.next() - 0.5) * 0.4;
    this.ctx.setTimer(Math.round(this.backoffMs * jitter), { type: 'reconnect' });
    this.backoffMs = Math.min(this.d.config.maxBackoffMs, this.backoffMs * 2);
  }

  private send(message: NodeMessage): void {
    const key = answerKey(message);
    if (message.kind === 'sign' || message.kind === 'register-peg-out') {
      if (this.answered.has(key)) this.answered.delete(key);
      this.unanswered.set(key, { message, sentAt: this.ctx.clock.now() });
    }
    if (this.stream === undefined) {
      if (message.kind === 'sign' || message.kind === 'register-peg-out') return; // resent on connect
      if (this.buffer.length >= this.d.config.bufferLimit) {
        this.buffer.shift();
        this.d.sometimes('stream.buffer-overflow');
      }
      this.buffer.push(message);
      return;
    }
    this.write(message);
  }

  private write(message: NodeMessage): void {
    const u = this.unanswered.get(answerKey(message));
    if (u !== undefined) u.sentAt = this.ctx.clock.now();
    try {
      this.stream?.send(message);
    } catch {
      // The stream died under us: its close notification reconnects and resends.
    }
  }

  private onInbound(m: GovernanceMessage): void {
    switch (m.kind) {
      case 'signature': {
        const key = `req:${m.response.requestId}`;
        if (!this.unanswered.has(key)) {
          this.d.sometimes('stream.duplicate-dropped');
          return;
        }
        this.unanswered.delete(key);
        this.answered.add(key);
        this.d.deliver({ type: 'signature', response: m.response });
        return;
      }
      case 'ack':
        this.unanswered.delete(`msg:${m.messageId}`);
        return;
      case 'federation':
        this.d.deliver({ type: 'federation', update: m.update });
        return;
      case 'proposal':
        this.d.deliver({ type: 'proposal', action: m.action, proposalId: m.proposalId });
        return;
      case 'heartbeat':
        return;
    }
  }

  private onTick(): void {
    this.ctx.setTimer(TICK_MS, { type: 'tick' });
    const now = this.ctx.clock.now();
    if (this.stream === undefined) return;
    for (const u of this.unanswered.values()) {
      if (u.message.kind === 'sign' && now - u.sentAt >= this.d.config.signTimeoutMs) {
        this.d.sometimes('stream.sign-timed-out-retried');
        this.write(u.message);
      } else if (u.message.kind === 'register-peg-out' && now - u.sentAt >= this.d.config.signTimeoutMs) this.write(u.message);
    }
    if (now - this.lastHeartbeat >= this.d.config.heartbeatEveryMs) {
      this.lastHeartbeat = now;
      this.write({ kind: 'heartbeat', messageId: `hb-${this.ctx.incarnation}-${this.nextMessageId++}`, atMs: now });
    }
  }
}
