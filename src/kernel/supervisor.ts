// Supervision trees. A supervisor owns children (actors or supervisors) in start order, applies its
// strategy when one fails (one-for-one, one-for-all, rest-for-one), delays the restart by the
// child's restart policy, and counts restarts in a sliding window: one too many and it gives up,
// stops its children and fails itself, so its own parent decides. The root has no parent: it puts
// the system into degraded mode, which the node reports.
import type { AnyActorSpec } from './actor.ts';
import { ActorCell, type CellParent } from './actor-cell.ts';
import type { Lifecycle } from './lifecycle.ts';
import {
  type ChildRestartState,
  type RestartIntensity,
  type RestartPolicy,
  type SupervisionStrategy,
  decideRestart,
  exceedsIntensity,
  freshRestartState,
} from './restart-policy.ts';
import type { KernelServices } from './services.ts';

export interface SupervisorSpec {
  readonly kind: 'supervisor';
  readonly name: string;
  readonly strategy: SupervisionStrategy;
  readonly restart: RestartPolicy;
  readonly intensity: RestartIntensity;
  readonly children: readonly ChildSpec[];
}

export type ChildSpec = AnyActorSpec | SupervisorSpec;

export function supervisor(spec: Omit<SupervisorSpec, 'kind'>): SupervisorSpec {
  return { kind: 'supervisor', ...spec };
}

export const defaultIntensity: RestartIntensity = { maxRestarts: 5, windowMs: 60_000 };

type Child = ActorCell | SupervisorNode;

export interface SupervisorParent {
  childFailed(child: SupervisorNode, error: unknown): void;
}

export class SupervisorNode implements CellParent {
  state: Lifecycle = 'stopped';
  readonly children: Child[] = [];
  private readonly history: number[] = [];
  private readonly restartState = new Map<Child, ChildRestartState>();
  private readonly rng;
  private pendingRestart = false;

  constructor(
    readonly spec: SupervisorSpec,
    private readonly parent: SupervisorParent,
    private readonly k: KernelServices,
    register: (cell: ActorCell) => void,
  ) {
    this.rng = k.rng.fork(`supervisor:${spec.name}`);
    for (const c of spec.children) {
      const child: Child =
        c.kind === 'actor' ? new ActorCell(c, this, k) : new SupervisorNode(c, this, k, register);
      if (child instanceof ActorCell) register(child);
      this.children.push(child);
      this.restartState.set(child, freshRestartState());
    }
  }

  get name(): string {
    return this.spec.name;
  }

  start(): void {
    this.state = 'running';
    const now = this.k.scheduler.now();
    for (const c of this.children) {
      // A child's failure count resets after it has run long enough since it (re)started.
      const rs = this.restartState.get(c);
      if (rs !== undefined) rs.lastRestartAt = now;
      c.start();
    }
  }

  /** Every actor cell below this supervisor, in start order. */
  cells(): ActorCell[] {
    const out: ActorCell[] = [];
    for (const c of this.children) {
      if (c instanceof ActorCell) out.push(c);
      else out.push(...c.cells());
    }
    return out;
  }

  childFailed(child: Child, error: unknown): void {
    if (this.state !== 'running') return;
    const now = this.k.scheduler.now();
    if (exceedsIntensity(this.history, now, this.spec.intensity)) {
      this.escalate(error);
      return;
    }
    const rs = this.restartState.get(child) ?? freshRestartState();
    const decision = decideRestart(this.spec.restart, rs, now, this.rng);
    if (decision.circuitOpened) {
      this.k.bus.publish({ type: 'circuit-open', actor: child.name, openMs: decision.delayMs, at: now });
    }
    const idx = this.children.indexOf(child);
    const affected =
      this.spec.strategy === 'one-for-one'
        ? [child]
        : this.spec.strategy === 'one-for-all'
          ? this.children.slice()
          : this.children.slice(idx);
    // Stop the survivors in reverse start order, as a shutdown would.
    for (let i = affected.length - 1; i >= 0; i--) (affected[i] as Child).suspendForRestart();
    this.k.bus.publish({ type: 'actor-restarting', actor: child.name, delayMs: decision.delayMs, at: now });
    this.pendingRestart = true;
    this.k.scheduler.schedule(
      decision.delayMs,
      () => {
        this.pendingRestart = false;
        if (this.state !== 'running') return;
        for (const c of affected) {
          const s = this.restartState.get(c);
          if (s !== undefined) s.lastRestartAt = this.k.scheduler.now();
          c.start();
        }
      },
      undefined,
      this.k.owner,
    );
  }

  get restarting(): boolean {
    return this.pendingRestart;
  }

  /** Gives up: stop everything below, fail, and let the parent decide. */
  private escalate(error: unknown): void {
    const now = this.k.scheduler.now();
    this.k.bus.publish({
      type: 'escalated',
      supervisor: this.name,
      error: error instanceof Error ? error.message : String(error),
      at: now,
    });
    for (let i = this.children.length - 1; i >= 0; i--) (this.children[i] as Child).suspendForRestart();
    this.state = 'failed';
    this.parent.childFailed(this, error);
  }

  /** As a child of another supervisor: stop all children before a restart. */
  suspendForRestart(): void {
    for (let i = this.children.length - 1; i >= 0; i--) (this.children[i] as Child).suspendForRestart();
    this.state = 'restarting';
    this.history.length = 0;
  }

  kill(): void {
    for (const c of this.children) c.kill();
    this.state = 'stopped';
  }
}
