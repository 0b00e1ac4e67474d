// A node's clock in the simulated world: the world's virtual time plus this node's skew. Timers are
// scheduled on the shared scheduler under the node's incarnation, so a crash cancels them all.
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler, Timer } from '../../kernel/scheduler.ts';
import type { Clock } from '../clock.ts';

export interface SimClockOptions {
  readonly scheduler: Scheduler;
  readonly owner: Owner;
  readonly skewMs?: number;
  /** Unix ms at virtual time 0, so that timestamps look like real ones. */
  readonly epochMs?: number;
}

export const defaultEpochMs = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a fixed, seed-independent origin

export class SimClock implements Clock {
  private skew: number;

  constructor(private readonly o: SimClockOptions) {
    this.skew = o.skewMs ?? 0;
  }

  now(): number {
    return (this.o.epochMs ?? defaultEpochMs) + this.o.scheduler.now() + this.skew;
  }

  setSkew(ms: number): void {
    this.skew = ms;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const sch = this.o.scheduler;
    // Clock timers often resolve a promise someone awaits: drain its continuation at once.
    return sch.schedule(
      delayMs,
      () => {
        sch.noteAsync();
        fn();
      },
      undefined,
      this.o.owner,
    );
  }
}
