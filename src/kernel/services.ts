// What every cell and supervisor of one actor system shares. One object, passed down, so that a
// cell never reaches for a global.
import type { Clock } from '../io/clock.ts';
import type { BugSwitches } from './bugs.ts';
import type { EventBus } from './event-bus.ts';
import type { Owner } from './event-queue.ts';
import type { KernelProbe } from './probe.ts';
import type { Rng } from './rng.ts';
import type { Scheduler } from './scheduler.ts';
import type { TraceRecorder } from './trace.ts';

export interface KernelServices {
  /** The node this system is (trace and metric label). */
  readonly node: string;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly bus: EventBus;
  readonly bugs: BugSwitches;
  readonly bugRng: Rng;
  readonly trace: TraceRecorder | undefined;
  readonly probe: KernelProbe | undefined;
  /** The node incarnation: when it dies (crash), every pending event of this system is skipped. */
  readonly owner: Owner;
  readonly defaultAskTimeoutMs: number;
  nextId(): number;
  /** Resolves an actor name to its cell; undefined if unknown. */
  find(name: string): import('./actor-cell.ts').ActorCell | undefined;
}
