// One node's actor system: the supervision tree, the registry of actors by name, the event bus,
// health checks and graceful shutdown. Many systems (one per simulated node) share one scheduler.
import type { Clock } from '../io/clock.ts';
import type { ActorRef } from './actor.ts';
import { ActorCell } from './actor-cell.ts';
import { type BugSwitches, noBugs } from './bugs.ts';
import { KernelError } from './errors.ts';
import { EventBus } from './event-bus.ts';
import type { Owner } from './event-queue.ts';
import type { Message } from './message.ts';
import type { KernelProbe } from './probe.ts';
import type { Rng } from './rng.ts';
import type { Scheduler, Timer } from './scheduler.ts';
import type { KernelServices } from './services.ts';
import { type ChildSpec, SupervisorNode, type SupervisorSpec, defaultIntensity, supervisor } from './supervisor.ts';
import type { TraceRecorder } from './trace.ts';

export type SystemStatus = 'running' | 'degraded' | 'stopping' | 'stopped';

export interface ActorSystemOptions {
  readonly node: string;
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  /** The node's clock; defaults to the scheduler's virtual time. */
  readonly clock?: Clock;
  readonly trace?: TraceRecorder;
  readonly probe?: KernelProbe;
  readonly bugs?: BugSwitches;
  readonly defaultAskTimeoutMs?: number;
  /** Run every actor's health check this often (virtual ms); 0 or absent: only on request. */
  readonly healthIntervalMs?: number;
}

export interface ActorHealth {
  readonly name: string;
  readonly state: string;
  readonly restarts: number;
  readonly mailboxDepth: number;
}

export function schedulerClock(scheduler: Scheduler, owner?: Owner): Clock {
  return {
    now: () => scheduler.now(),
    // Clock timers often resolve a promise someone awaits: drain its continuation at once.
    setTimer: (delayMs, fn): Timer =>
      scheduler.schedule(
        delayMs,
        () => {
          scheduler.noteAsync();
          fn();
        },
        undefined,
        owner,
      ),
  };
}

export class ActorSystem {
  readonly bus = new EventBus();
  private readonly cells = new Map<string, ActorCell>();
  private readonly root: SupervisorNode;
  private readonly owner = { alive: true };
  private readonly k: KernelServices;
  private statusValue: SystemStatus = 'running';
  readonly degradedReasons: string[] = [];
  private idCounter = 0;

  constructor(
    private readonly options: ActorSystemOptions,
    rootSpec: SupervisorSpec | readonly ChildSpec[],
  ) {
    const spec = Array.isArray(rootSpec)
      ? supervisor({
          name: 'root',
          strategy: 'one-for-one',
          restart: { kind: 'immediate' },
          intensity: defaultIntensity,
          children: rootSpec as readonly ChildSpec[],
        })
      : (rootSpec as SupervisorSpec);
    const self = this;
    this.k = {
      node: options.node,
      scheduler: options.scheduler,
      clock: options.clock ?? schedulerClock(options.scheduler, this.owner),
      rng: options.rng,
      bus: this.bus,
      bugs: options.bugs ?? noBugs,
      bugRng: options.rng.fork('planted-bugs'),
      trace: options.trace,
      probe: options.probe,
      owner: this.owner,
      defaultAskTimeoutMs: options.defaultAskTimeoutMs ?? 5_000,
      nextId: () => ++self.idCounter,
      find: (name) => self.cells.get(name),
    };
    this.root = new SupervisorNode(
      spec,
      {
        childFailed: (_child, error) => this.degrade(`root supervisor gave up: ${String(error)}`),
      },
      this.k,
      (cell) => {
        if (this.cells.has(cell.name)) {
          throw new KernelError('DUPLICATE_NAME', `two actors named ${cell.name}`, cell.name);
        }
        this.cells.set(cell.name, cell);
      },
    );
  }

  get node(): string {
    return this.options.node;
  }

  get status(): SystemStatus {
    return this.statusValue;
  }

  /** The incarnation token of this system: scheduler events it owns die with it. */
  get liveness(): Owner {
    return this.owner;
  }

  start(): this {
    this.root.start();
    const every = this.options.healthIntervalMs ?? 0;
    if (every > 0) {
      const tick = (): void => {
        if (this.statusValue === 'stopped' || this.statusValue === 'stopping') return;
        this.checkHealth();
        this.options.scheduler.schedule(every, tick, undefined, this.owner);
      };
      this.options.scheduler.schedule(every, tick, undefined, this.owner);
    }
    return this;
  }

  ref<M extends Message>(name: string): ActorRef<M> {
    const cell = this.cells.get(name);
    if (cell === undefined) throw new KernelError('ACTOR_NOT_FOUND', `no actor named ${name}`, name);
    return cell as unknown as ActorRef<M>;
  }

  has(name: string): boolean {
    return this.cells.has(name);
  }

  /** Every actor's state, in start order. */
  actors(): ActorHealth[] {
    return this.root.cells().map((c) => ({
      name: c.name,
      state: c.state,
      restarts: c.stats.restarts,
      mailboxDepth: c.mailbox.depth,
    }));
  }

  cellsForMetrics(): readonly ActorCell[] {
    return this.root.cells();
  }

  checkHealth(): void {
    for (const cell of this.root.cells()) cell.checkHealth();
  }

  /**
   * Graceful shutdown in dependency order: an actor is stopped before every actor it depends on
   * (ActorSpec.dependsOn); among independent actors, in reverse start order.
   */
  async shutdown(): Promise<void> {
    if (this.statusValue === 'stopped') return;
    this.statusValue = 'stopping';
    for (const cell of shutdownOrder(this.root.cells())) await cell.stop();
    this.statusValue = 'stopped';
    this.owner.alive = false;
  }

  /** Node crash: everything vanishes at once; nothing it scheduled will run. */
  kill(): void {
    this.owner.alive = false;
    this.root.kill();
    this.statusValue = 'stopped';
  }

  private degrade(reason: string): void {
    this.statusValue = 'degraded';
    this.degradedReasons.push(reason);
    this.bus.publish({ type: 'degraded', reason, at: this.options.scheduler.now() });
  }
}

/** Reverse topological order over dependsOn, ties in reverse start order. Cycles fall back to that. */
export function shutdownOrder(cells: readonly ActorCell[]): ActorCell[] {
  const byName = new Map(cells.map((c) => [c.name, c]));
  const dependents = new Map<string, number>(cells.map((c) => [c.name, 0]));
  for (const c of cells) {
    for (const d of c.spec.dependsOn ?? []) {
      if (byName.has(d)) dependents.set(d, (dependents.get(d) ?? 0) + 1);
    }
  }
  const order: ActorCell[] = [];
  const done = new Set<string>();
  while (order.length < cells.length) {
    let progressed = false;
    for (let i = cells.length - 1; i >= 0; i--) {
      const c = cells[i] as ActorCell;
      if (done.has(c.name) || (dependents.get(c.name) ?? 0) > 0) continue;
      order.push(c);
      done.add(c.name);
      progressed = true;
      for (const d of c.spec.dependsOn ?? []) dependents.set(d, (dependents.get(d) ?? 1) - 1);
    }
    if (!progressed) {
      for (let i = cells.length - 1; i >= 0; i--) {
        const c = cells[i] as ActorCell;
        if (!done.has(c.name)) {
          order.push(c);
          done.add(c.name);
        }
      }
    }
  }
  return order;
}
