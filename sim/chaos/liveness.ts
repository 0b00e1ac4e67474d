// Liveness is continuous: once the last fault has healed, progress must be seen in every liveness
// window until the run ends, not once. A checker decides what progress is (heads, finality,
// converged hashes, commits, sync); this tracks when it was last made and fails the first time a
// whole window passes without it.
import type { CheckContext } from './invariant.ts';

export class ProgressWindows {
  private lastProgress: number | undefined;

  constructor(private readonly windowMs: number) {}

  /** True once the faults have healed: the checker should judge progress from then on. */
  active(ctx: CheckContext<unknown>): boolean {
    if (ctx.healedAt === undefined) return false;
    this.lastProgress ??= ctx.healedAt;
    return true;
  }

  /**
   * Records whether progress was made at this check; returns a reason once a window has passed
   * without any (describe says what was seen).
   */
  observe(ctx: CheckContext<unknown>, progressed: boolean, describe: () => string): string | undefined {
    const since = this.lastProgress ?? ctx.healedAt ?? ctx.now;
    if (progressed) {
      this.lastProgress = ctx.now;
      return undefined;
    }
    if (ctx.now - since > this.windowMs || (ctx.final && ctx.now - since >= this.windowMs)) {
      return `no progress in the ${this.windowMs} ms after ${since} ms (faults healed at ${ctx.healedAt ?? '?'} ms): ${describe()}`;
    }
    return undefined;
  }
}
