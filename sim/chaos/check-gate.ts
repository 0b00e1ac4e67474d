// Which invariants a step's check runs. The world changes only in events, so after a step in which
// none ran (in `happy`, 92 % of the 20 ms steps) an invariant that reads only the world sees what it
// saw at its last check and answers the same: it is skipped. One whose last check read the clock
// (`now`, `healedAt`) can answer otherwise with nothing changed (a liveness window runs out), so it
// runs at every step until a check of it reads no clock (most read it only when something new came:
// a deposit to stamp, a tip that moved). Nobody declares which is which: the context records the
// read, so a new invariant cannot be skipped by mistake.
import type { CheckContext, Invariant } from './invariant.ts';

export interface GateInputs {
  /** Events the scheduler has run so far. */
  readonly events: number;
  /** Stray timers the code under test set: they fire outside events, so their runs are never skipped. */
  readonly strayTimers: number;
}

export class CheckGate<View> {
  private readonly clockReaders = new Set<Invariant<View>>();
  private eventsAtLastCheck = -1;
  /** Checks after a step without events, which ran only the clock readers (tests read it). */
  skippedSteps = 0;

  /**
   * Whether nothing can have changed since the last check: no event ran since it, and this check is
   * neither the final one nor forced by a fault, and the code under test set no stray timer.
   */
  isQuiet(inputs: GateInputs, o: { readonly final: boolean; readonly forced?: boolean }): boolean {
    return !o.final && o.forced !== true && inputs.strayTimers === 0 && inputs.events === this.eventsAtLastCheck;
  }

  /**
   * Runs the invariants that this check needs, each given `ctx`, and returns their failures.
   * `final` runs them all. `forced` (a check right after a fault, in the middle of a step) runs
   * them all and leaves the baseline where it was, so the step's own check still sees the change.
   */
  run(
    invariants: readonly Invariant<View>[],
    ctx: CheckContext<View>,
    inputs: GateInputs,
    o: { readonly final: boolean; readonly forced?: boolean; readonly skip?: (inv: Invariant<View>) => boolean },
  ): Array<{ readonly name: string; readonly reason: string }> {
    const quiet = this.isQuiet(inputs, o);
    if (o.forced !== true) this.eventsAtLastCheck = inputs.events;
    if (quiet) {
      this.skippedSteps++;
      if (this.clockReaders.size === 0) return [];
    }
    const watched = new WatchedContext(ctx);
    const failures: Array<{ name: string; reason: string }> = [];
    for (const inv of invariants) {
      if (quiet && !this.clockReaders.has(inv)) continue;
      if (o.skip?.(inv) === true) continue;
      watched.readClock = false;
      const r = inv.check(watched);
      if (watched.readClock) this.clockReaders.add(inv);
      else this.clockReaders.delete(inv);
      if (r !== undefined) failures.push({ name: inv.name, reason: r });
    }
    return failures;
  }
}

/** The context with its clock behind getters that note the read (a class, so every check sees one shape). */
class WatchedContext<View> implements CheckContext<View> {
  readClock = false;
  readonly nodes: CheckContext<View>['nodes'];
  readonly final: boolean;
  readonly shared: CheckContext<View>['shared'];
  readonly linked: CheckContext<View>['linked'];
  readonly cutsVersion: CheckContext<View>['cutsVersion'];

  constructor(private readonly ctx: CheckContext<View>) {
    this.nodes = ctx.nodes;
    this.final = ctx.final;
    this.shared = ctx.shared;
    this.linked = ctx.linked;
    this.cutsVersion = ctx.cutsVersion;
  }

  get now(): number {
    this.readClock = true;
    return this.ctx.now;
  }

  get healedAt(): number | undefined {
    this.readClock = true;
    return this.ctx.healedAt;
  }
}
