// One simulated world: a shared scheduler, network and per-node disks and clocks, the app's actor
// trees built on them, and the fault schedule applied as scheduler events. Crash tears a node's tree
// down and drops its unsynced writes; restart builds the tree again from the same disk.
import { RepeatedSends, repeatedSendsWindowMs } from './chaos/repeated-sends.ts';
import type { NodeIO } from '../src/io/index.ts';
import { SimClock } from '../src/io/sim/clock.ts';
import { type NetworkEvent, SimNetwork } from '../src/io/sim/network.ts';
import { SimDisk } from '../src/io/sim/storage.ts';
import type { BugSwitches } from '../src/kernel/bugs.ts';
import type { Rng } from '../src/kernel/rng.ts';
import type { Scheduler } from '../src/kernel/scheduler.ts';
import type { TraceRecorder } from '../src/kernel/trace.ts';
import type { ByzantineNode, SimApp, SimNodeHandle, WorldAccess } from './app.ts';
import { type Fault, describeFault } from './chaos/faults.ts';
import { faultProbe } from './chaos/generate.ts';
import type { NodeSnapshot } from './chaos/invariant.ts';
import type { KernelChecker } from './chaos/kernel-checker.ts';
import type { Scenario } from './scenario.ts';

interface NodeSlot<View> {
  readonly id: string;
  readonly byzantine: boolean;
  readonly disk: SimDisk;
  up: boolean;
  incarnation: number;
  owner: { alive: boolean };
  skewMs: number;
  clock: SimClock | undefined;
  readonly persistent: Map<string, unknown>;
  handle: SimNodeHandle<View> | undefined;
  byz: ByzantineNode | undefined;
}

export interface WorldOptions<View> {
  readonly scenario: Scenario;
  readonly app: SimApp<View>;
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly trace: TraceRecorder;
  readonly bugs: BugSwitches;
  readonly kernelChecker: KernelChecker | undefined;
  readonly honest: readonly string[];
  readonly byzantine: readonly string[];
  readonly sometimes: (probe: string) => void;
  readonly schedule: readonly Fault[];
  /** Called right after each fault is applied, so invariants are checked at once. */
  readonly onFault: (fault: Fault) => void;
  /** Called if the network delivers a message over a link that is cut (a network-model bug). */
  readonly onCutDelivery: (from: string, to: string) => void;
  /** Called once if an honest node sends one message to one peer more often than its app allows (`no-repeated-sends`). */
  readonly onRepeatedSend: (reason: string) => void;
  /** Called if a crash loses an acknowledged durable write (a disk-model bug). */
  readonly onStorageViolation: (reason: string) => void;
  /** Called if a node's storage hands up a value a disk fault left (a corrupt record used). */
  readonly onCorruptRead?: (reason: string) => void;
}

// Trace kinds of IO events, made once: one string per event would be built and hashed again.
const netKinds: Readonly<Record<NetworkEvent['kind'], string>> = { send: 'net.send', deliver: 'net.deliver', duplicate: 'net.duplicate', drop: 'net.drop' };
const diskOps = new Map<string, string>();
const diskOp = (op: string): string => {
  let kind = diskOps.get(op);
  if (kind === undefined) {
    kind = `disk.${op}`;
    diskOps.set(op, kind);
  }
  return kind;
};

export class World<View> implements WorldAccess<View> {
  readonly network: SimNetwork;
  private readonly slots: NodeSlot<View>[] = [];
  private readonly allIds: string[];
  private readonly owner = { alive: true };
  private storageFaults = new Map<string, number>();
  readonly shared: Map<string, unknown>;

  constructor(private readonly o: WorldOptions<View>) {
    const s = o.scenario;
    this.shared = o.app.createShared?.({ scheduler: o.scheduler, rng: o.rng.fork('shared'), scenario: s, sometimes: o.sometimes, bugs: o.bugs }) ?? new Map();
    this.allIds = [...o.honest, ...o.byzantine];
    const repeated = new RepeatedSends({ windowMs: repeatedSendsWindowMs, maxSends: o.app.maxRepeatedSends, honest: o.honest, onViolation: o.onRepeatedSend });
    this.network = new SimNetwork({
      scheduler: o.scheduler,
      rng: o.rng.fork('network'),
      bugs: o.bugs,
      defaults: {
        latencyMs: s.network.latencyMs,
        jitterMs: s.network.jitterMs,
        bandwidthBytesPerMs: s.network.bandwidthBytesPerMs,
        loss: s.network.loss,
        duplicate: s.network.duplicate,
        reorder: s.network.reorder,
      },
      observer: (e) => {
        o.trace.io(e.time, e.to, netKinds[e.kind], e.digest);
        if (e.kind === 'drop') o.sometimes(`net.drop.${e.reason}`);
        if (e.kind === 'deliver' && this.network.isCut(e.from, e.to)) o.onCutDelivery(e.from, e.to);
        else if (e.kind === 'send') repeated.observe(e.time, e.from, e.to, e.bytes, e.digest);
      },
    });
    for (const id of this.allIds) {
      this.network.addNode(id);
      this.slots.push({
        id,
        byzantine: o.byzantine.includes(id),
        disk: new SimDisk({
          node: id,
          scheduler: o.scheduler,
          rng: o.rng.fork(`disk:${id}`),
          bugs: o.bugs,
          syncLatencyMs: s.storage.syncLatencyMs,
          tornWrites: s.storage.tornWrites,
          observer: (e) => o.trace.io(e.time, id, diskOp(e.op), e.keys),
          onDurabilityViolation: o.onStorageViolation,
        }),
        up: false,
        incarnation: -1,
        owner: { alive: false },
        skewMs: 0,
        clock: undefined,
        persistent: new Map(),
        handle: undefined,
        byz: undefined,
      });
    }
  }

  get now(): number {
    return this.o.scheduler.now();
  }

  get scenario(): Scenario {
    return this.o.scenario;
  }

  start(): void {
    for (const slot of this.slots) this.boot(slot);
    for (const f of this.o.schedule) this.scheduleFault(f);
    const every = this.o.scenario.workloadEveryMs ?? this.o.app.workloadEveryMs;
    if (every !== undefined && this.o.app.workload !== undefined) {
      const rng = this.o.rng.fork('workload');
      const tick = (): void => {
        this.o.app.workload?.(this, rng);
        this.o.scheduler.schedule(every, tick, undefined, this.owner);
      };
      this.o.scheduler.schedule(every, tick, undefined, this.owner);
    }
  }

  scheduleFault(f: Fault): void {
    this.o.scheduler.schedule(Math.max(0, f.at - this.now), () => this.apply(f), undefined, this.owner);
  }

  /** What a node's disk durably holds (what a restart would find). */
  durableStorage(id: string): Map<string, Uint8Array> {
    return this.slot(id).disk.durableSnapshot();
  }

  liveNodes(): ReadonlyArray<{ readonly id: string; readonly handle: SimNodeHandle<View> }> {
    const out: Array<{ id: string; handle: SimNodeHandle<View> }> = [];
    for (const s of this.slots) if (s.up && s.handle !== undefined) out.push({ id: s.id, handle: s.handle });
    return out;
  }

  snapshots(): NodeSnapshot<View>[] {
    return this.slots.map((s) => ({
      id: s.id,
      up: s.up,
      byzantine: s.byzantine,
      incarnation: s.incarnation,
      diskFaults: s.disk.faults,
      view: s.up && s.handle !== undefined ? s.handle.view() : undefined,
    }));
  }

  /**
   * What each honest node that is up still holds in its mailboxes, by node/actor (the kernel
   * checker's keys): the queued half of end-of-run conservation.
   */
  queuedEnvelopes(): { readonly nodes: ReadonlySet<string>; readonly queued: ReadonlyMap<string, readonly number[]> } {
    const nodes = new Set<string>();
    const queued = new Map<string, number[]>();
    for (const s of this.slots) {
      if (!s.up || s.byzantine || s.handle === undefined) continue;
      nodes.add(s.id);
      for (const cell of s.handle.system.cellsForMetrics()) queued.set(`${s.id}/${cell.name}`, cell.mailbox.ids());
    }
    return { nodes, queued };
  }

  /** Stops everything at the end of a run (no hooks: the run is over). */
  dispose(): void {
    this.owner.alive = false;
    for (const s of this.slots) if (s.up) this.crashNode(s, false);
  }

  private slot(id: string): NodeSlot<View> {
    const s = this.slots.find((x) => x.id === id);
    if (s === undefined) throw new Error(`fault names unknown node ${id}`);
    return s;
  }

  private boot(slot: NodeSlot<View>): void {
    slot.incarnation++;
    slot.owner = { alive: true };
    slot.up = true;
    const clock = new SimClock({ scheduler: this.o.scheduler, owner: slot.owner, skewMs: slot.skewMs });
    slot.clock = clock;
    this.network.setNodeUp(slot.id, slot.owner);
    const io: NodeIO = {
      clock,
      rng: this.o.rng.fork(`node:${slot.id}:${slot.incarnation}`),
      network: this.network.endpoint(slot.id),
      storage: slot.disk.open(slot.owner),
    };
    // Ground truth for the checksum layer: the disk knows which bytes its faults left.
    const storageAudit = (key: string, raw: Uint8Array, served: boolean): void => {
      if (!slot.disk.isCorrupt(key, raw)) return;
      if (served) this.o.onCorruptRead?.(`${slot.id} used the corrupt record ${key} a disk fault left`);
      else this.o.sometimes('storage.corrupt-detected');
    };
    const ctx = {
      id: slot.id,
      scenario: this.o.scenario,
      allNodes: this.allIds,
      io,
      scheduler: this.o.scheduler,
      rng: io.rng,
      incarnation: slot.incarnation,
      trace: this.o.trace,
      probe: this.o.kernelChecker?.probeFor(slot.id),
      bugs: this.o.bugs,
      sometimes: this.o.sometimes,
      persistent: slot.persistent,
      shared: this.shared,
      owner: slot.owner,
      storageAudit,
    };
    if (slot.byzantine) {
      const byz = this.o.app.buildByzantine(ctx);
      slot.byz = byz;
      io.network.onReceive((from, payload) => byz.onReceive(from, payload));
      // It hears the gossip that reaches it and relays none of it.
      io.network.onGossip?.((from, _kind, payload) => {
        byz.onReceive(from, payload);
        return { result: 'ignore', reason: 'byzantine' };
      });
      const tick = (): void => {
        byz.tick();
        this.o.scheduler.schedule(50 + io.rng.int(100), tick, undefined, slot.owner);
      };
      this.o.scheduler.schedule(io.rng.int(100), tick, undefined, slot.owner);
    } else {
      slot.handle = this.o.app.buildNode(ctx);
      slot.handle.system.bus.subscribe((e) => {
        if (e.type !== 'lifecycle') this.o.sometimes(`kernel.${e.type}`);
      });
      if (slot.incarnation > 0) this.o.sometimes('world.node-restarted');
    }
  }

  private crashNode(slot: NodeSlot<View>, trace = true): void {
    if (!slot.up) return;
    if (trace) this.o.trace.fault(this.now, `crash ${slot.id}`);
    slot.handle?.system.kill();
    slot.byz?.kill?.();
    slot.owner.alive = false;
    slot.up = false;
    slot.handle = undefined;
    slot.byz = undefined;
    this.network.setNodeDown(slot.id);
    slot.disk.crash();
  }

  private apply(f: Fault): void {
    this.o.trace.fault(this.now, describeFault(f));
    this.o.sometimes(faultProbe(f));
    const later = (ms: number | undefined, fn: () => void): void => {
      if (ms !== undefined) this.o.scheduler.schedule(ms, fn, undefined, this.owner);
    };
    switch (f.kind) {
      // Each cut heals on its own: a short isolation that expires must not end a longer partition.
      case 'partition': {
        const cut = this.network.partition(f.groups);
        later(f.durationMs, () => this.network.heal(cut));
        break;
      }
      case 'isolate': {
        const cut = this.network.isolate(f.node);
        later(f.durationMs, () => this.network.heal(cut));
        break;
      }
      case 'block-link': {
        const cut = this.network.blockLink(f.from, f.to);
        later(f.durationMs, () => this.network.heal(cut));
        break;
      }
      case 'heal':
        this.network.heal();
        break;
      case 'crash': {
        const slot = this.slot(f.node);
        this.crashNode(slot);
        later(f.restartAfterMs, () => {
          if (!slot.up) this.boot(slot);
        });
        break;
      }
      case 'restart': {
        const slot = this.slot(f.node);
        if (!slot.up) this.boot(slot);
        break;
      }
      case 'clock-skew': {
        const slot = this.slot(f.node);
        slot.skewMs = f.skewMs;
        slot.clock?.setSkew(f.skewMs);
        later(f.durationMs, () => {
          slot.skewMs = 0;
          slot.clock?.setSkew(0);
        });
        break;
      }
      case 'degrade-network': {
        const base = this.o.scenario.network;
        this.network.setDefaults({ loss: f.loss, duplicate: f.duplicate, reorder: f.reorder });
        later(f.durationMs, () => this.network.setDefaults({ loss: base.loss, duplicate: base.duplicate, reorder: base.reorder }));
        break;
      }
      case 'app': {
        const slot = this.slot(f.node);
        if (this.o.app.faultActions?.includes(f.action) !== true) throw new Error(`app ${this.o.app.name} has no fault action ${f.action}`);
        const rng = this.o.rng.fork(`fault:${f.node}:${f.at}:${f.action}`);
        this.o.app.applyFault?.(slot, f.action, true, rng);
        later(f.durationMs, () => this.o.app.applyFault?.(slot, f.action, false, rng));
        break;
      }
      case 'world': {
        const apply = this.o.app.applyWorldFault;
        if (apply === undefined) throw new Error(`app ${this.o.app.name} has no world faults (${f.action})`);
        apply(this.shared, f.action, true);
        later(f.durationMs, () => apply(this.shared, f.action, false));
        break;
      }
      case 'disk-fault': {
        const hit = this.slot(f.node).disk.injectFault(f.fault, f.prefix);
        if (!hit) this.o.sometimes('fault.disk.missed');
        break;
      }
      case 'storage-errors': {
        const slot = this.slot(f.node);
        this.storageFaults.set(f.node, f.probability);
        slot.disk.setErrorRate(f.probability);
        later(f.durationMs, () => {
          this.storageFaults.delete(f.node);
          slot.disk.setErrorRate(0);
        });
        break;
      }
    }
    this.o.onFault(f);
  }
}
