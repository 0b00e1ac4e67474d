// What a run shows an observer: the drawn schedule at the start, the world between steps, and each
// invariant's first failure. An observer only reads: it runs outside every scheduler event and
// schedules nothing, so the trace hash of an observed run is the unobserved run's.
import type { Fault } from '../chaos/faults.ts';
import type { Scenario } from '../scenario.ts';
import type { World } from '../world.ts';

export interface RunStart {
  /** The scenario as run (a swarm run's drawn shape). */
  readonly scenario: Scenario;
  readonly schedule: readonly Fault[];
  readonly durationMs: number;
  readonly honest: readonly string[];
  readonly byzantine: readonly string[];
}

export interface RunObserver {
  start(run: RunStart): void;
  /** After every step of the run (all events up to `now`), once the invariants were checked. */
  step(world: World<unknown>, now: number): void;
  invariantFailed(name: string, reason: string, timeMs: number): void;
}
