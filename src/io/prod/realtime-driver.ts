// Drives the deterministic scheduler on wall-clock time: the production node's event loop. Virtual
// time is wall time since the driver started; every due event runs in (time, seq) order; between
// events the driver sleeps on a real timer until the next one is due or until IO completes. IO
// completions enter only through post(), as events, so nondeterminism crosses into the node at this
// one boundary (and recording what crosses it is enough to replay a production run).
import type { Clock } from '../clock.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler, Timer } from '../../kernel/scheduler.ts';
import type { JournalSink } from './record/journal-writer.ts';

export class RealTimeDriver {
  private readonly startedAt = performance.now();
  private readonly epochAtStart = Date.now();
  private running = false;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private loop: Promise<void> | undefined;
  /** Wall ms by which events ran late (diagnostics: a busy node shows it here first). */
  maxLagMs = 0;

  /**
   * `journal`: where a recording node writes every move of virtual time to the wall clock, the one
   * nondeterministic input besides what IO delivers (src/io/record/journal.ts).
   */
  constructor(
    readonly scheduler: Scheduler,
    private readonly journal?: JournalSink,
  ) {
    if (journal !== undefined) scheduler.onRanToBound = () => this.recordTime();
  }

  /** Unix ms at virtual time 0. */
  get epochMs(): number {
    return this.epochAtStart;
  }

  wallNow(): number {
    return performance.now() - this.startedAt;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /**
   * Enqueues an IO completion as an event at the current wall time. `record` is told the executed
   * event count and the virtual time it was enqueued at, which is where a replay delivers it.
   */
  post(fn: () => void, record?: (n: number, t: number) => void): void {
    this.scheduler.advanceTo(this.wallNow());
    record?.(this.scheduler.executed, this.scheduler.now());
    this.scheduler.schedule(0, () => {
      this.scheduler.noteAsync();
      fn();
    });
    this.wake();
  }

  /** The production clock: Unix ms, timers on the scheduler. */
  clock(owner?: Owner): Clock {
    return {
      now: () => this.epochAtStart + this.scheduler.now(),
      setTimer: (delayMs: number, fn: () => void): Timer => {
        const before = this.scheduler.now();
        this.scheduler.advanceTo(this.wallNow());
        this.journal?.write({ k: 'tmr', n: this.scheduler.executed, t: this.scheduler.now() === before ? null : this.scheduler.now() });
        const t = this.scheduler.schedule(
          delayMs,
          () => {
            this.scheduler.noteAsync();
            fn();
          },
          undefined,
          owner,
        );
        this.wake();
        return t;
      },
    };
  }

  private recordedTime = -1;

  /** Journals virtual time when the driver moved it to the wall clock (not when events did). */
  private recordTime(): void {
    const t = this.scheduler.now();
    if (this.journal === undefined || t === this.recordedTime) return;
    this.recordedTime = t;
    this.journal.write({ k: 'adv', n: this.scheduler.executed, t });
  }

  private wake(): void {
    const s = this.sleeping;
    if (s === undefined) return;
    this.sleeping = undefined;
    clearTimeout(s.timer);
    s.wake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = this.wallNow();
      const next = this.scheduler.nextEventTime();
      if (next !== undefined && next <= now) {
        this.maxLagMs = Math.max(this.maxLagMs, now - next);
        // Its move of time to `now` is journaled as it happens (onRanToBound).
        await this.scheduler.runUntil(now);
        // Let sockets and other real IO in before the next batch of events.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      this.scheduler.advanceTo(now);
      this.recordTime();
      const delay = next === undefined ? 1_000 : Math.max(0, next - now);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.sleeping = { timer, wake: resolve };
      });
      this.sleeping = undefined;
    }
  }
}
