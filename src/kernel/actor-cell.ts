// One actor's runtime: its mailbox, its current incarnation of behaviour, and the delivery loop.
// Each delivery is one scheduler event, so actors interleave by (time, sequence) and nothing else.
import type { ActorBehavior, ActorContext, ActorRef, AnyActorSpec, SenderInfo, TellResult } from './actor.ts';
import { actorFailed, actorStopped, askTimeout, describe, mailboxFull, overflowDropped } from './errors.ts';
import { assertTransition, type Lifecycle } from './lifecycle.ts';
import { Mailbox, defaultMailbox } from './mailbox.ts';
import type { Envelope, Message, ReplyFor } from './message.ts';
import type { Rng } from './rng.ts';
import type { Timer } from './scheduler.ts';
import type { KernelServices } from './services.ts';

/** The supervisor side of a cell: told when the cell fails. */
export interface CellParent {
  childFailed(child: ActorCell, error: unknown): void;
}

export interface CellStats {
  received: number;
  processed: number;
  failures: number;
  restarts: number;
  handlingMsTotal: number;
  handlingMsMax: number;
  asksTimedOut: number;
  deadLetters: number;
}

interface Incarnation {
  alive: boolean;
  readonly number: number;
}

export class ActorCell implements ActorRef<Message> {
  state: Lifecycle = 'stopped';
  readonly mailbox: Mailbox;
  readonly stats: CellStats = {
    received: 0,
    processed: 0,
    failures: 0,
    restarts: 0,
    handlingMsTotal: 0,
    handlingMsMax: 0,
    asksTimedOut: 0,
    deadLetters: 0,
  };
  private behavior: ActorBehavior<Message> | undefined;
  private incarnation: Incarnation = { alive: false, number: -1 };
  private busy = false;
  private scheduled = false;
  private current: Envelope | undefined;
  private timers: Timer[] = [];
  private unhealthyStreak = 0;
  private readonly rng: Rng;
  private readonly boundDispatch = (): void => this.dispatch();
  private stopWaiter: (() => void) | undefined;
  /**
   * Async work of this cell the scheduler is waiting on, released at once if the node dies. Each
   * begin is ended exactly once by its promise's settlement; a kill ends them all and moves to a
   * new epoch, so that the dead work's late settlements end nothing. (A count and an epoch, not a
   * set of token objects: this runs for every async handler.)
   */
  private asyncOutstanding = 0;
  private asyncEpoch = 0;

  private asyncBegin(): number {
    this.asyncOutstanding++;
    this.k.scheduler.asyncBegin();
    return this.asyncEpoch;
  }

  private asyncEnd(epoch: number): void {
    if (epoch !== this.asyncEpoch) return;
    this.asyncOutstanding--;
    this.k.scheduler.asyncEnd();
  }

  private releaseAsync(): void {
    for (; this.asyncOutstanding > 0; this.asyncOutstanding--) this.k.scheduler.asyncEnd();
    this.asyncEpoch++;
  }

  constructor(
    readonly spec: AnyActorSpec,
    readonly parent: CellParent,
    private readonly k: KernelServices,
  ) {
    this.mailbox = new Mailbox(spec.mailbox ?? defaultMailbox);
    this.rng = k.rng.fork(`actor:${spec.name}`);
  }

  get name(): string {
    return this.spec.name;
  }

  get incarnationNumber(): number {
    return this.incarnation.number;
  }

  // ---- sending -------------------------------------------------------------------------------

  tell(msg: Message, from?: SenderInfo): TellResult {
    return this.enqueue(this.envelope(msg, from, undefined, undefined));
  }

  send(msg: Message, from?: SenderInfo): Promise<TellResult> {
    return new Promise<TellResult>((resolve) => {
      const r = this.enqueue(this.envelope(msg, from, undefined, undefined), () => {
        this.k.scheduler.noteAsync();
        resolve('enqueued');
      });
      if (r !== 'waiting' && r !== 'enqueued') resolve(r);
    });
  }

  ask<T extends Message>(msg: T, timeoutMs?: number, from?: SenderInfo): Promise<ReplyFor<Message, T>> {
    const ms = timeoutMs ?? this.k.defaultAskTimeoutMs;
    return new Promise<ReplyFor<Message, T>>((resolve, reject) => {
      let settled = false;
      const k = this.k;
      const timer = k.scheduler.schedule(
        ms,
        () => {
          if (settled) return;
          settled = true;
          this.stats.asksTimedOut++;
          // The asker continues in microtasks: drained before time moves on, as after a reply.
          k.scheduler.noteAsync();
          reject(askTimeout(this.name, msg.type, ms));
        },
        undefined,
        k.owner,
      );
      const reply = (ok: boolean, value: unknown): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        k.scheduler.noteAsync();
        if (ok) resolve(value as ReplyFor<Message, T>);
        else reject(value);
      };
      const env = this.envelope(msg, from, k.nextId(), reply);
      const r = this.enqueue(env);
      if (r === 'rejected') reply(false, mailboxFull(this.name, msg.type));
      else if (r === 'dead') reply(false, actorStopped(this.name, msg.type));
    });
  }

  private envelope(
    msg: Message,
    from: SenderInfo | undefined,
    correlationId: number | undefined,
    reply: Envelope['reply'],
  ): Envelope {
    const id = this.k.nextId();
    return {
      id,
      msg,
      from: from?.path,
      sentAt: this.k.scheduler.now(),
      traceId: from?.traceId ?? id,
      correlationId,
      reply,
    };
  }

  /** A tick of a timer this actor set: the mailbox's timer lane, which nothing overflows. */
  tellTimer(msg: Message): void {
    const env = this.envelope(msg, { path: this.name, traceId: this.k.nextId() }, undefined, undefined);
    if (this.k.bugs.has('timer-droppable')) {
      this.enqueue(env);
      return;
    }
    this.enqueue(env, undefined, true);
  }

  private enqueue(env: Envelope, admitted?: () => void, timer = false): TellResult {
    if (this.state === 'stopped' || this.state === 'stopping') {
      this.deadLetter(env, 'stopped');
      return 'dead';
    }
    this.k.probe?.enqueued(this.name, env);
    this.stats.received++;
    const r = timer ? this.mailbox.offerTimer(env) : this.mailbox.offer(env, admitted);
    switch (r.kind) {
      case 'enqueued':
        if (this.k.bugs.has('reorder-sender') && this.mailbox.depth >= 2 && this.k.bugRng.chance(0.25)) this.mailbox.swapLastTwo();
        this.wake();
        return 'enqueued';
      case 'waiting':
        return 'waiting';
      case 'rejected':
        this.k.probe?.dropped(this.name, env, 'rejected');
        this.deadLetter(env, 'rejected');
        return 'rejected';
      case 'dropped-oldest':
        this.k.probe?.dropped(this.name, r.dropped, 'dropped-oldest');
        this.deadLetter(r.dropped, 'dropped-oldest');
        r.dropped.reply?.(false, overflowDropped(this.name, r.dropped.msg.type));
        this.wake();
        return 'enqueued';
    }
  }

  private deadLetter(env: Envelope, reason: 'rejected' | 'dropped-oldest' | 'stopped' | 'failed-message'): void {
    this.stats.deadLetters++;
    this.k.bus.publish({
      type: 'dead-letter',
      actor: this.name,
      from: env.from,
      messageType: env.msg.type,
      reason,
      at: this.k.scheduler.now(),
    });
  }

  // ---- delivery ------------------------------------------------------------------------------

  private wake(): void {
    if (this.scheduled || this.busy || this.state !== 'running' || this.mailbox.depth === 0) return;
    this.scheduled = true;
    this.k.scheduler.post(this.boundDispatch, undefined, this.k.owner);
  }

  private dispatch(): void {
    this.scheduled = false;
    if (this.busy || this.state !== 'running') return;
    const env = this.mailbox.take();
    if (env === undefined) return;
    const behavior = this.behavior as ActorBehavior<Message>;
    const k = this.k;
    k.trace?.deliver(k.scheduler.now(), k.node, this.name, env.msg.type, env.id, env.from);
    k.probe?.delivered(this.name, env);
    if (k.bugs.has('deliver-twice') && k.bugRng.chance(0.01)) this.mailbox.unshift(env);
    const handler = (behavior.handlers as Record<string, (m: Message, c: ActorContext<Message>) => unknown>)[
      env.msg.type
    ];
    this.busy = true;
    this.current = env;
    const started = k.scheduler.now();
    const inc = this.incarnation;
    let result: unknown;
    try {
      if (handler === undefined) throw new TypeError(`${this.name} has no handler for message type '${env.msg.type}'`);
      result = handler(env.msg, this.context);
    } catch (err) {
      this.handlerFailed(env, err, inc);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      const token = this.asyncBegin();
      (result as Promise<unknown>).then(
        (v) => {
          this.asyncEnd(token);
          this.handlerDone(env, v, started, inc);
        },
        (err: unknown) => {
          this.asyncEnd(token);
          this.handlerFailed(env, err, inc);
        },
      );
    } else {
      this.handlerDone(env, result, started, inc);
    }
  }

  private handlerDone(env: Envelope, value: unknown, started: number, inc: Incarnation): void {
    const elapsed = this.k.scheduler.now() - started;
    this.stats.processed++;
    this.stats.handlingMsTotal += elapsed;
    if (elapsed > this.stats.handlingMsMax) this.stats.handlingMsMax = elapsed;
    env.reply?.(true, value);
    if (inc !== this.incarnation) return;
    this.busy = false;
    this.current = undefined;
    if (this.stopWaiter !== undefined) {
      this.stopWaiter();
      return;
    }
    this.wake();
  }

  private handlerFailed(env: Envelope, err: unknown, inc: Incarnation): void {
    env.reply?.(false, actorFailed(this.name, env.msg.type, err));
    if (inc !== this.incarnation) return;
    this.busy = false;
    this.current = undefined;
    this.k.probe?.discarded(this.name, [], 'failed-message');
    this.fail(err);
  }

  /** Marks this incarnation failed and tells the supervisor, which decides what happens next. */
  fail(err: unknown): void {
    if (this.state === 'failed' || this.state === 'stopped' || this.state === 'restarting') return;
    this.stats.failures++;
    this.endIncarnation();
    this.transition('failed');
    this.k.bus.publish({
      type: 'actor-failed',
      actor: this.name,
      error: describe(err),
      at: this.k.scheduler.now(),
    });
    if (this.stopWaiter !== undefined) {
      this.stopWaiter();
      return;
    }
    this.parent.childFailed(this, err);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Builds a new incarnation and runs onStart; messages queued meanwhile wait in the mailbox. */
  start(): void {
    const restart = this.incarnation.number >= 0;
    if (restart) {
      this.stats.restarts++;
      // A tick that fired before the failure belongs to the dead incarnation, as its unfired timers
      // do. Kept, it would run beside the tick the new incarnation arms in onStart: each restart
      // with a tick waiting added one more self-re-arming chain, until ticks alone filled the
      // mailbox (served first) and nothing else was handled. A real bridge got there in 30 minutes.
      const stale = this.mailbox.dropTimers();
      if (stale.length > 0) this.k.probe?.discarded(this.name, stale, 'stale-timer');
      if (this.k.bugs.has('lose-on-restart') && this.mailbox.depth > 0) this.mailbox.take();
      this.k.probe?.restarted(this.name, this.mailbox.ids());
    }
    this.incarnation = { alive: true, number: this.incarnation.number + 1 };
    this.unhealthyStreak = 0;
    this.transition('initializing');
    const inc = this.incarnation;
    let started: unknown;
    try {
      this.behavior = (this.spec.create as (ctx: ActorContext<Message>) => ActorBehavior<Message>)(this.context);
      started = this.behavior.onStart?.(this.context);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (started !== undefined && typeof (started as PromiseLike<unknown>).then === 'function') {
      const token = this.asyncBegin();
      (started as Promise<unknown>).then(
        () => {
          this.asyncEnd(token);
          if (inc === this.incarnation && this.state === 'initializing') this.running();
        },
        (err: unknown) => {
          this.asyncEnd(token);
          if (inc === this.incarnation) this.fail(err);
        },
      );
    } else {
      this.running();
    }
  }

  private running(): void {
    this.transition('running');
    this.wake();
  }

  /** Supervisor-driven stop before a restart: the mailbox is kept for the next incarnation. */
  suspendForRestart(): void {
    if (this.state === 'failed') {
      this.transition('restarting');
      return;
    }
    if (this.state === 'stopped' || this.state === 'restarting') return;
    this.callOnStop();
    this.endIncarnation();
    this.busy = false;
    this.current = undefined;
    this.transition('restarting');
  }

  /**
   * Graceful stop: waits for the handler in progress, runs onStop, then discards the rest of the
   * mailbox as dead letters (asks are rejected so no caller waits forever).
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'running' || this.state === 'initializing') {
      this.transition('stopping');
      if (this.busy) {
        await new Promise<void>((resolve) => {
          this.stopWaiter = resolve;
        });
        this.stopWaiter = undefined;
      }
      try {
        await this.behavior?.onStop?.(this.context);
      } catch {
        // A failing onStop must not block the shutdown of everything else; the failure is counted.
        this.stats.failures++;
      }
    }
    this.endIncarnation();
    this.transition('stopped');
    this.discardMailbox('stopped');
  }

  /** Node crash: no hooks, no dead letters, just gone (the probe is told, for conservation checks). */
  kill(): void {
    this.releaseAsync();
    this.endIncarnation();
    this.state = 'stopped';
    this.k.probe?.discarded(this.name, this.mailbox.drain(), 'node-crash');
  }

  private discardMailbox(reason: 'stopped'): void {
    const rest = this.mailbox.drain();
    if (rest.length === 0) return;
    this.k.probe?.discarded(this.name, rest, reason);
    for (const env of rest) {
      this.deadLetter(env, reason);
      env.reply?.(false, actorStopped(this.name, env.msg.type));
    }
  }

  private callOnStop(): void {
    try {
      const r = this.behavior?.onStop?.(this.context);
      if (r !== undefined) {
        const token = this.asyncBegin();
        r.then(
          () => this.asyncEnd(token),
          () => {
            this.asyncEnd(token);
            this.stats.failures++;
          },
        );
      }
    } catch {
      this.stats.failures++;
    }
  }

  private endIncarnation(): void {
    this.incarnation.alive = false;
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  private transition(to: Lifecycle): void {
    const from = this.state;
    assertTransition(this.name, from, to);
    this.state = to;
    this.k.bus.publish({ type: 'lifecycle', actor: this.name, from, to, at: this.k.scheduler.now() });
  }

  // ---- health --------------------------------------------------------------------------------

  checkHealth(): void {
    if (this.state !== 'running' || this.behavior?.health === undefined) return;
    let status;
    try {
      status = this.behavior.health();
    } catch (err) {
      status = { healthy: false, detail: String(err) };
    }
    if (status.healthy) {
      this.unhealthyStreak = 0;
      return;
    }
    this.unhealthyStreak++;
    this.k.bus.publish({ type: 'unhealthy', actor: this.name, detail: status.detail ?? '', at: this.k.scheduler.now() });
    if (this.unhealthyStreak >= (this.spec.unhealthyThreshold ?? 3)) {
      this.fail(new Error(`health check failed ${this.unhealthyStreak} times: ${status.detail ?? ''}`));
    }
  }

  // ---- the context handed to the behaviour ---------------------------------------------------

  private readonly context: ActorContext<Message> = ((): ActorContext<Message> => {
    const cell = this;
    const sender = (): SenderInfo => ({ path: cell.name, traceId: cell.current?.traceId ?? cell.k.nextId() });
    return {
      get self() {
        return cell;
      },
      get name() {
        return cell.name;
      },
      get incarnation() {
        return cell.incarnation.number;
      },
      get rng() {
        return cell.rng;
      },
      get clock() {
        return cell.k.clock;
      },
      get envelope() {
        return cell.current;
      },
      tell: <N extends Message>(to: ActorRef<N>, msg: N) => to.tell(msg, sender()),
      ask: <N extends Message, const T extends N>(to: ActorRef<N>, msg: T, timeoutMs?: number) =>
        to.ask(msg, timeoutMs, sender()),
      setTimer: (delayMs: number, msg: Message) => {
        const inc = cell.incarnation;
        const t = cell.k.scheduler.schedule(
          delayMs,
          () => {
            if (inc.alive) cell.tellTimer(msg);
          },
          undefined,
          cell.k.owner,
        );
        cell.timers.push(t);
        if (cell.timers.length > 256) cell.timers = cell.timers.filter((x) => x.time > cell.k.scheduler.now());
        return t;
      },
      lookup: <N extends Message>(name: string): ActorRef<N> => {
        const found = cell.k.find(name);
        if (found === undefined) throw new Error(`${cell.name}: no actor named ${name}`);
        return found as unknown as ActorRef<N>;
      },
    };
  })();
}
