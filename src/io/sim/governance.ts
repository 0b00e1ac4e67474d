// Simulated Anduro Governance: the same FederationSigner as the governance server, behind a
// modelled stream. It can be down (streams close, connects are refused), slow, refuse everything,
// or Byzantine: answer with witnesses that do not verify, with a validly signed transaction that
// pays someone else (it holds the keys; it does not broadcast), or with bytes that are not a message.
import * as bitcoin from 'bitcoinjs-lib';
import type { FederationSigner } from '../../governance/signer.ts';
import type { GovernanceMessage, NodeMessage } from '../../governance/messages.ts';
import { openingMessages } from '../../governance/server/governance-server.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Rng } from '../../kernel/rng.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import type { GovernanceLink, GovernanceStream, GovernanceStreamHandlers } from '../governance.ts';

export type GovernanceMode = 'ok' | 'down' | 'refuse' | 'byzantine';

interface OpenStream {
  readonly node: string;
  readonly owner: Owner;
  readonly handlers: GovernanceStreamHandlers;
  open: boolean;
  /** When the last message each way arrives: a stream is ordered, so a later one never overtakes it. */
  toNodeAt: number;
  toGovernanceAt: number;
}

export class SimGovernance {
  mode: GovernanceMode = 'ok';
  latencyMs = 20;
  private readonly streams: OpenStream[] = [];
  /** Every message governance received, in order (for checkers and tests). */
  readonly received: Array<{ readonly node: string; readonly message: NodeMessage }> = [];

  constructor(
    private readonly scheduler: Scheduler,
    readonly signer: FederationSigner,
    private readonly rng: Rng,
    private readonly sometimes: (probe: string) => void,
  ) {}

  setMode(mode: GovernanceMode): void {
    this.mode = mode;
    if (mode === 'down') for (const s of this.streams) this.close(s, 'governance unavailable');
  }

  /** Sends a message to every open stream (a federation update, a proposal). */
  broadcast(message: GovernanceMessage): void {
    for (const s of this.streams) if (s.open) this.deliver(s, message);
  }

  link(node: string, owner: Owner): GovernanceLink {
    return {
      connect: (handlers) =>
        new Promise<GovernanceStream>((resolve, reject) => {
          this.scheduler.schedule(
            this.latencyMs,
            () => {
              this.scheduler.noteAsync();
              if (this.mode === 'down') {
                reject(new Error('UNAVAILABLE: governance is not reachable'));
                return;
              }
              const s: OpenStream = { node, owner, handlers, open: true, toNodeAt: 0, toGovernanceAt: 0 };
              this.streams.push(s);
              resolve({
                send: (m) => {
                  if (!s.open) throw new Error('stream closed');
                  s.toGovernanceAt = Math.max(this.scheduler.now() + this.latencyMs, s.toGovernanceAt);
                  this.scheduler.schedule(s.toGovernanceAt - this.scheduler.now(), () => this.receive(s, m), undefined, owner);
                },
                close: () => this.close(s, 'closed by the node'),
              });
              // What the governance server says on every new stream.
              for (const m of openingMessages(this.signer)) this.deliver(s, m);
            },
            undefined,
            owner,
          );
        }),
    };
  }

  private close(s: OpenStream, reason: string): void {
    if (!s.open) return;
    s.open = false;
    this.streams.splice(this.streams.indexOf(s), 1);
    this.scheduler.schedule(0, () => {
      this.scheduler.noteAsync();
      s.handlers.onClose(reason);
    }, undefined, s.owner);
  }

  private deliver(s: OpenStream, m: GovernanceMessage): void {
    // In order, as on a gRPC stream: a resume sent once governance is fast again must not arrive
    // before the pause it sent while slow.
    s.toNodeAt = Math.max(this.scheduler.now() + this.latencyMs, s.toNodeAt);
    this.scheduler.schedule(s.toNodeAt - this.scheduler.now(), () => {
      if (!s.open) return;
      this.scheduler.noteAsync();
      s.handlers.onMessage(m);
    }, undefined, s.owner);
  }

  private receive(s: OpenStream, m: NodeMessage): void {
    if (!s.open || this.mode === 'down') return;
    this.received.push({ node: s.node, message: m });
    switch (m.kind) {
      case 'register-peg-out':
        this.signer.registerPegOut(m.registration);
        this.deliver(s, { kind: 'ack', messageId: m.messageId });
        return;
      case 'sign': {
        if (this.mode === 'refuse') {
          this.deliver(s, { kind: 'signature', response: { kind: 'refused', requestId: m.request.requestId, reason: 'paused', detail: 'governance refuses (simulated)' } });
          return;
        }
        const response = this.signer.sign(m.request);
        if (this.mode === 'byzantine' && response.kind === 'signed') {
          const lie = this.rng.int(3);
          if (lie === 0) {
            this.sometimes('governance.byzantine.bad-witness');
            const w = response.witnesses.map((stack) => stack.map((item, i) => (i === 1 ? `${item.slice(0, 20)}${item[20] === '0' ? '1' : '0'}${item.slice(21)}` : item)));
            this.deliver(s, { kind: 'signature', response: { ...response, witnesses: w } });
            return;
          }
          if (lie === 1) {
            // A validly signed transaction that pays the first peg-out 1,000 satoshis less.
            this.sometimes('governance.byzantine.wrong-payout');
            const forged = this.signer.signWithoutPolicy(underpay(response.txHex), m.request.inputs.map((i) => i.amountSats));
            this.deliver(s, { kind: 'signature', response: { ...response, txHex: forged.txHex, witnesses: forged.witnesses } });
            return;
          }
          this.sometimes('governance.byzantine.garbage');
          s.handlers.onMalformed('signature.response.witnesses: expected array, received string (simulated garbage)');
          return;
        }
        this.deliver(s, { kind: 'signature', response });
        return;
      }
      case 'register-peg-in':
      case 'status':
        this.deliver(s, { kind: 'ack', messageId: m.messageId });
        return;
      case 'heartbeat':
        this.deliver(s, { kind: 'heartbeat', atMs: this.scheduler.now() });
        return;
    }
  }
}

/** The same transaction paying its first output 1,000 satoshis less (more to the miner). */
function underpay(txHex: string): string {
  const tx = bitcoin.Transaction.fromHex(txHex);
  const first = tx.outs[0];
  if (first !== undefined && first.value > 2_000n) first.value -= 1_000n;
  return tx.toHex();
}
