// The single-threaded deterministic scheduler. Virtual time only moves when the next event is later
// than now; within one time, events run by sequence number. The simulation drives it as fast as it
// can (runUntil); production drives the same object from a real-time driver (src/io/prod) that
// advances it to the wall clock and posts IO completions as events.
import { EventQueue, type Owner, type ScheduledEvent } from './event-queue.ts';
import { drainMicrotasks } from './macrotask.ts';

export type { Owner } from './event-queue.ts';

export interface Timer {
  cancel(): void;
  readonly time: number;
}

export interface SchedulerStats {
  readonly now: number;
  readonly executed: number;
  readonly pending: number;
}

export class SchedulerHalted extends Error {
  constructor(readonly reason: string) {
    super(`scheduler halted: ${reason}`);
    this.name = 'SchedulerHalted';
  }
}

const noop = (): void => {};

class TimerHandle implements Timer {
  constructor(private readonly ev: ScheduledEvent) {}
  cancel(): void {
    // The event stays queued until its time (removal from the heap would cost more than skipping
    // it), but what it would have run is let go now: an ask's time-out closes over the message it
    // asked, and a sync batch's blocks would otherwise live on for the whole time-out after the reply.
    this.ev.cancelled = true;
    this.ev.fn = noop;
    this.ev.arg = undefined;
  }
  get time(): number {
    return this.ev.time;
  }
}

export class Scheduler {
  private current = 0;
  private seq = 0;
  private readonly queue = new EventQueue();
  private pendingAsync = false;
  private asyncInFlight = 0;
  private halted: Error | undefined;
  /** Events executed so far (skipped, cancelled and dead-owner events are not counted). */
  executed = 0;
  /** Called before each event runs; the trace recorder and checkers hang off this. */
  onEvent: ((time: number, seq: number) => void) | undefined;
  /**
   * Production only: told, at that very point, when runUntil moves time past its last event to its
   * bound. What the last events left running in microtasks runs after this move, so a recording
   * journals the move here and a replay makes it at the same point, not wherever its own awaits fall.
   */
  onRanToBound: ((time: number) => void) | undefined;

  now(): number {
    return this.current;
  }

  /** Schedules fn(arg) after delayMs (>= 0) of virtual time. */
  schedule<A>(delayMs: number, fn: (arg: A) => unknown, arg?: A, owner?: Owner): Timer {
    const d = delayMs > 0 ? delayMs : 0;
    const ev: ScheduledEvent = {
      time: this.current + d,
      seq: this.seq++,
      fn: fn as (arg: unknown) => unknown,
      arg,
      owner,
      cancelled: false,
    };
    if (d === 0) this.queue.pushNow(ev);
    else this.queue.push(ev);
    return new TimerHandle(ev);
  }

  /** Same as schedule, without allocating a handle: the hot path for mailbox deliveries. */
  post<A>(fn: (arg: A) => unknown, arg: A, owner?: Owner): void {
    this.queue.pushNow({
      time: this.current,
      seq: this.seq++,
      fn: fn as (arg: unknown) => unknown,
      arg,
      owner,
      cancelled: false,
    });
  }

  /**
   * Tells the loop that a promise continuation may be pending (an async handler started, or a
   * kernel promise was settled): it must drain microtasks before running the next event.
   */
  noteAsync(): void {
    this.pendingAsync = true;
  }

  /**
   * Brackets an async handler. The loop drains microtasks right after the event that started it;
   * whatever the handler awaits later is settled by an event that calls noteAsync (an IO
   * completion, an ask reply, a clock timer), so draining after exactly those events is enough.
   */
  asyncBegin(): void {
    this.asyncInFlight++;
    this.pendingAsync = true;
  }

  asyncEnd(): void {
    this.asyncInFlight--;
    this.pendingAsync = true;
  }

  /** Stops the loop at the next event boundary; runUntil rejects with this reason. */
  halt(error: Error): void {
    if (this.halted === undefined) this.halted = error;
  }

  /** Async handlers still awaiting something (diagnostics and tests). */
  get inFlight(): number {
    return this.asyncInFlight;
  }

  get haltReason(): Error | undefined {
    return this.halted;
  }

  /**
   * What runUntil(until) would do when no event is due by `until` and no continuation waits to be
   * drained: move time to `until`, here and now, without a trip through the microtask queue. Returns
   * false, having done nothing, when runUntil has work to do. The simulator steps every few virtual
   * milliseconds to check invariants, most steps have no event, and an async call cost more than
   * such a step.
   */
  advanceIfIdle(until: number): boolean {
    if (this.pendingAsync || this.halted !== undefined) return false;
    const next = this.nextEventTime();
    if (next !== undefined && next <= until) return false;
    if (until > this.current && Number.isFinite(until)) {
      this.current = until;
      this.onRanToBound?.(until);
    }
    return true;
  }

  nextEventTime(): number | undefined {
    for (;;) {
      const ev = this.queue.peek();
      if (ev === undefined) return undefined;
      if (ev.cancelled || (ev.owner !== undefined && !ev.owner.alive)) {
        this.queue.pop();
        continue;
      }
      return ev.time;
    }
  }

  stats(): SchedulerStats {
    return { now: this.current, executed: this.executed, pending: this.queue.size };
  }

  /**
   * Runs every event with time <= until, in order, draining promise continuations after each event
   * that needs it, then leaves now = until (virtual time passes even when nothing happens).
   */
  async runUntil(until: number, stop?: () => boolean): Promise<void> {
    for (;;) {
      if (this.pendingAsync) {
        this.pendingAsync = false;
        await drainMicrotasks();
        continue;
      }
      if (this.halted !== undefined) throw this.halted;
      if (stop?.()) return;
      const ev = this.queue.peek();
      if (ev === undefined || ev.time > until) break;
      this.queue.pop();
      if (ev.cancelled || (ev.owner !== undefined && !ev.owner.alive)) continue;
      if (ev.time > this.current) this.current = ev.time;
      this.executed++;
      this.onEvent?.(this.current, ev.seq);
      const result = ev.fn(ev.arg);
      if (result !== undefined && typeof (result as PromiseLike<unknown>).then === 'function') {
        this.pendingAsync = true;
      }
    }
    if (until > this.current && Number.isFinite(until)) {
      this.current = until;
      this.onRanToBound?.(until);
    }
  }

  /** Runs until the queue is empty (or stop() says so), however far virtual time has to move. */
  runToQuiescence(stop?: () => boolean): Promise<void> {
    return this.runUntil(Number.POSITIVE_INFINITY, stop);
  }

  /** Production only: lets the real-time driver move virtual time to the wall clock. */
  advanceTo(time: number): void {
    if (time > this.current) this.current = time;
  }
}
