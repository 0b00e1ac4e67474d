// What the simulated world runs on each node. The kernel issue's toy replicated log and the chain
// are both SimApps: the world builds each node's actor tree from its IO, tears it down on a crash,
// rebuilds it from the same disk on restart, and hands checkers a read-only view of every node.
import type { NodeIO } from '../src/io/index.ts';
import type { ActorSystem } from '../src/kernel/actor-system.ts';
import type { BugSwitches } from '../src/kernel/bugs.ts';
import type { KernelProbe } from '../src/kernel/probe.ts';
import type { Rng } from '../src/kernel/rng.ts';
import type { Scheduler } from '../src/kernel/scheduler.ts';
import type { TraceRecorder } from '../src/kernel/trace.ts';
import type { Invariant } from './chaos/invariant.ts';

export interface SimNodeContext {
  readonly id: string;
  readonly scenario: import('./scenario.ts').Scenario;
  /** Every node of the world, this one included, in a fixed order. */
  readonly allNodes: readonly string[];
  readonly io: NodeIO;
  readonly scheduler: Scheduler;
  /** This node's stream (stable across restarts: forked from the world seed by node id and incarnation). */
  readonly rng: Rng;
  readonly incarnation: number;
  readonly trace: TraceRecorder;
  readonly probe: KernelProbe | undefined;
  readonly bugs: BugSwitches;
  /** Counts an interesting path ("sometimes" assertion); the swarm reports probes that never fire. */
  readonly sometimes: (probe: string) => void;
  /**
   * Per-node state that outlives the node's crashes: the node's *other* processes (an execution
   * client keeps its chain when the consensus node dies). Empty at the node's first boot.
   */
  readonly persistent: Map<string, unknown>;
  /**
   * World-level processes every node talks to (the simulated Bitcoin network, governance): created by
   * the app's `createShared` once per run, never torn down by a node's crash.
   */
  readonly shared: ReadonlyMap<string, unknown>;
  /** Simulation only: sees every record read through the node's checksum layer (src/io/checksummed-storage.ts). */
  readonly storageAudit?: import('../src/io/checksummed-storage.ts').StorageAudit;
  /** This incarnation: IO completions owned by it are dropped once the node crashes. */
  readonly owner: import('../src/kernel/event-queue.ts').Owner;
}

export interface SimNodeHandle<View> {
  readonly system: ActorSystem;
  /** A read-only snapshot for the checkers; must not mutate anything. */
  view(): View;
}

/** A node that sends adversarial bytes instead of running the honest app. */
export interface ByzantineNode {
  /** Called for every message the Byzantine node receives. */
  onReceive(from: string, payload: Uint8Array): void;
  /** Called on a regular tick so it can send unprompted garbage, replays and forgeries. */
  tick(): void;
  /** A Byzantine node that runs actors of its own (a twin) stops them when the node crashes. */
  kill?(): void;
}

export interface SimApp<View> {
  readonly name: string;
  buildNode(ctx: SimNodeContext): SimNodeHandle<View>;
  buildByzantine(ctx: SimNodeContext): ByzantineNode;
  /** Applies (active) or lifts (not active) an app-specific fault on one node. */
  applyFault?(node: { readonly id: string; readonly persistent: Map<string, unknown> }, action: string, active: boolean, rng: Rng): void;
  /** App-specific fault actions this app understands (validated against scenario files). */
  readonly faultActions?: readonly string[];
  /** Drives the workload (client commands, transactions): called every `workloadEveryMs`. */
  workload?(world: WorldAccess<View>, rng: Rng): void;
  readonly workloadEveryMs?: number;
  readonly invariants: Readonly<Record<string, (opts: InvariantOptions) => Invariant<View>>>;
  /** Planted bugs this app understands (name → what goes wrong). */
  readonly bugs: Readonly<Record<string, string>>;
  /**
   * The most times an honest node of this app may send one message, byte for byte, to one peer
   * within 10 s (the `no-repeated-sends` check): more is a loop that loads peers for nothing.
   */
  readonly maxRepeatedSends: number;
  /** Probe names the app reports through `sometimes`, so a swarm can report the ones that never fired. */
  readonly probes: readonly string[];
  /**
   * Swarm mode: the app's own draw over a scenario's shape (how many serving peers, say), from the
   * seed, on top of the drawn fault rates.
   */
  swarmVariant?(scenario: import('./scenario.ts').Scenario, rng: Rng): import('./scenario.ts').Scenario;
  /** Builds the world-level processes of a run (see SimNodeContext.shared). */
  createShared?(o: { readonly scheduler: Scheduler; readonly rng: Rng; readonly scenario: import('./scenario.ts').Scenario; readonly sometimes: (probe: string) => void; readonly bugs: BugSwitches }): Map<string, unknown>;
  /** Applies or lifts a world-level fault (no node: governance down, a Bitcoin reorg). */
  applyWorldFault?(shared: ReadonlyMap<string, unknown>, action: string, active: boolean): void;
}

export interface InvariantOptions {
  /** Liveness: how long after the last fault heals progress must be seen (virtual ms). */
  readonly livenessWindowMs: number;
  readonly scenario: import('./scenario.ts').Scenario;
}

export interface WorldAccess<View> {
  readonly now: number;
  readonly shared: ReadonlyMap<string, unknown>;
  readonly scenario: import('./scenario.ts').Scenario;
  /** Honest nodes that are up, with their current handle. */
  liveNodes(): ReadonlyArray<{ readonly id: string; readonly handle: SimNodeHandle<View> }>;
}

/** The actor-system options every simulated node uses: its scheduler, streams, clock and checkers. */
export function nodeSystemOptions(ctx: SimNodeContext): import('../src/kernel/actor-system.ts').ActorSystemOptions {
  return {
    node: ctx.id,
    scheduler: ctx.scheduler,
    rng: ctx.rng,
    clock: ctx.io.clock,
    trace: ctx.trace,
    ...(ctx.probe !== undefined ? { probe: ctx.probe } : {}),
    bugs: ctx.bugs,
  };
}
