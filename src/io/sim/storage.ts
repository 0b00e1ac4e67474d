// The simulated disk of one node. What a node reads is its visible state; only what a completed
// synced write (or sync) covered is durable. A crash resets the visible state to the durable one,
// so unsynced writes are lost exactly as on a real machine, and a synced batch still in flight may
// be torn (a prefix of it lands) when the scenario allows it. Disk faults past that strike at named
// fault points (DiskFaultKind): a bit flipped at rest, a write misdirected to another key, a write
// acknowledged and lost. The disk remembers every value a fault left, so a checker can tell a
// corrupt value from one the node wrote.
import type { BugSwitches } from '../../kernel/bugs.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Rng } from '../../kernel/rng.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import type { BatchOp, StorageIO, WriteOptions } from '../storage.ts';
import { completeLater } from './complete-later.ts';

export class StorageFault extends Error {
  constructor(
    readonly code: 'IO_ERROR',
    readonly node: string,
    readonly op: string,
  ) {
    super(`simulated ${code} on ${node} during ${op}`);
    this.name = 'StorageFault';
  }
}

export interface DiskEvent {
  readonly time: number;
  readonly op: 'read' | 'write' | 'sync' | 'scan' | 'crash' | 'torn' | 'error' | DiskFaultKind;
  readonly keys: number;
}

export interface SimDiskOptions {
  readonly node: string;
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly bugs?: BugSwitches;
  readonly readLatencyMs?: number;
  readonly syncLatencyMs?: number;
  readonly tornWrites?: boolean;
  readonly observer?: (e: DiskEvent) => void;
  /** Called when a crash loses a write that was acknowledged as durable (a disk-model bug). */
  readonly onDurabilityViolation?: (reason: string) => void;
}

type Entry = readonly [string, Uint8Array];

/**
 * The named fault points: `bit-flip` (at rest: one bit of one stored value), `misdirected-write`
 * (the next matching write lands under another existing key; its own key keeps its old value),
 * `lost-write` (the next matching write is acknowledged, synced even, and never lands).
 */
export type DiskFaultKind = 'bit-flip' | 'misdirected-write' | 'lost-write';

export class SimDisk {
  private durable = new Map<string, Uint8Array>();
  private visible = new Map<string, Uint8Array>();
  /** Writes applied to the visible state and not yet durable, oldest first. */
  private unsynced: BatchOp[][] = [];
  /** A synced batch being written now (what a crash may tear). */
  private inFlight: BatchOp[] | undefined;
  private errorRate = 0;
  /** What every acknowledged durable write says each key holds (null: deleted): the contract. */
  private readonly acknowledged = new Map<string, Uint8Array | null>();
  /** Write faults armed for the next matching write, in order. */
  private armed: Array<{ readonly kind: 'misdirected-write' | 'lost-write'; readonly prefix: string }> = [];
  /** Every value a fault left under a key (a value the node never wrote there). */
  private readonly corrupt = new Map<string, Uint8Array[]>();
  /** Keys a fault touched since they were last acknowledged: a crash may find them differing from that. */
  private readonly faulted = new Set<string>();
  crashes = 0;
  faults = 0;

  constructor(private readonly o: SimDiskOptions) {}

  setErrorRate(p: number): void {
    this.errorRate = p;
  }

  /** The storage a node incarnation sees; its pending operations die with the owner. */
  open(owner: Owner): StorageIO {
    const disk = this;
    const sch = this.o.scheduler;
    const readDelay = this.o.readLatencyMs ?? 0.1;
    const syncDelay = this.o.syncLatencyMs ?? 1;
    const later = <T>(ms: number, op: string, fn: () => T): Promise<T> =>
      completeLater(sch, owner, ms, fn, () => {
        if (disk.errorRate === 0 || !disk.o.rng.chance(disk.errorRate)) return undefined;
        disk.observe('error', 0);
        return new StorageFault('IO_ERROR', disk.o.node, op);
      });
    return {
      get: (key) =>
        later(readDelay, 'get', () => {
          disk.observe('read', 1);
          const v = disk.visible.get(key);
          return v === undefined ? undefined : v.slice();
        }),
      scan: (prefix) =>
        later(readDelay, 'scan', () => {
          const out: Entry[] = [];
          for (const [k, v] of disk.visible) if (k.startsWith(prefix)) out.push([k, v.slice()]);
          out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
          disk.observe('scan', out.length);
          return out;
        }),
      write: (ops, options: WriteOptions) => {
        // A crashed incarnation's late continuation must not reach the disk: a dead process writes nothing.
        if (!owner.alive) return new Promise<void>(() => undefined);
        const batch = disk.strikeWrite(ops.map(copyOp));
        // Reads see a write at once; durability is another matter.
        disk.applyTo(disk.visible, batch);
        disk.unsynced.push(batch);
        disk.observe('write', batch.length);
        if (!options.sync) return Promise.resolve();
        disk.inFlight = batch;
        return later(syncDelay, 'write', () => {
          if (disk.inFlight === batch) disk.inFlight = undefined;
          disk.makeDurable(batch);
        });
      },
      sync: () => {
        const last = disk.unsynced[disk.unsynced.length - 1];
        return later(syncDelay, 'sync', () => {
          disk.observe('sync', 0);
          if (last !== undefined) disk.makeDurable(last);
        });
      },
    };
  }

  /**
   * Applies a fault at its fault point: a bit flip at once (if a stored value matches the prefix),
   * a write fault on the next write with a put under the prefix. Returns whether a bit flip hit.
   */
  injectFault(kind: DiskFaultKind, prefix = ''): boolean {
    if (kind !== 'bit-flip') {
      this.armed.push({ kind, prefix });
      return true;
    }
    const keys = [...this.durable.keys()].filter((k) => k.startsWith(prefix) && (this.durable.get(k)?.length ?? 0) > 0).sort();
    if (keys.length === 0) return false;
    const key = this.o.rng.pick(keys);
    const before = this.durable.get(key) as Uint8Array;
    const after = before.slice();
    const i = this.o.rng.int(after.length);
    after[i] = (after[i] as number) ^ (1 << this.o.rng.int(8));
    this.durable.set(key, after);
    // The medium holds one copy: a cached read of the same bytes sees the flip too.
    const seen = this.visible.get(key);
    if (seen !== undefined && equalBytes(seen, before)) this.visible.set(key, after.slice());
    this.noteCorrupt(key, after);
    this.observe('bit-flip', 1);
    return true;
  }

  /** Whether these bytes under this key were left by a fault rather than written by the node. */
  isCorrupt(key: string, value: Uint8Array): boolean {
    return this.corrupt.get(key)?.some((v) => equalBytes(v, value)) === true;
  }

  /** A write fault armed for this batch rewrites it: one put lost, or moved under another key. */
  private strikeWrite(batch: BatchOp[]): BatchOp[] {
    const fault = this.armed[0];
    if (fault === undefined) return batch;
    const i = batch.findIndex((op) => op.type === 'put' && op.key.startsWith(fault.prefix));
    if (i < 0) return batch;
    const op = batch[i] as Extract<BatchOp, { type: 'put' }>;
    if (fault.kind === 'lost-write') {
      this.armed.shift();
      this.faults++;
      this.faulted.add(op.key);
      this.observe('lost-write', 1);
      return batch.filter((_, j) => j !== i);
    }
    const others = [...this.visible.keys()].filter((k) => k !== op.key && !batch.some((b) => b.key === k)).sort();
    const near = others.filter((k) => k.startsWith(fault.prefix));
    const pool = near.length > 0 ? near : others;
    if (pool.length === 0) return batch;
    this.armed.shift();
    const target = this.o.rng.pick(pool);
    this.faulted.add(op.key);
    this.noteCorrupt(target, op.value);
    this.observe('misdirected-write', 1);
    return batch.map((b, j) => (j === i ? { type: 'put', key: target, value: op.value } : b));
  }

  private noteCorrupt(key: string, value: Uint8Array): void {
    this.faults++;
    this.faulted.add(key);
    const list = this.corrupt.get(key) ?? [];
    list.push(value.slice());
    this.corrupt.set(key, list);
  }

  /** Power loss: the visible state falls back to what was durable (plus maybe a torn prefix). */
  crash(): void {
    this.crashes++;
    const torn = this.inFlight;
    if (torn !== undefined && this.o.tornWrites === true && torn.length > 1) {
      const keep = this.o.rng.int(torn.length);
      if (keep > 0) {
        this.applyTo(this.durable, torn.slice(0, keep));
        this.observe('torn', keep);
      }
    }
    this.inFlight = undefined;
    this.unsynced = [];
    this.visible = new Map(this.durable);
    this.observe('crash', 0);
    this.checkContract(torn);
  }

  /** After a crash, every acknowledged write must have survived (keys of a torn batch aside). */
  private checkContract(torn: readonly BatchOp[] | undefined): void {
    const report = this.o.onDurabilityViolation;
    if (report === undefined) return;
    const tornKeys = new Set((torn ?? []).map((op) => op.key));
    for (const [key, want] of this.acknowledged) {
      if (tornKeys.has(key) || this.faulted.has(key)) continue;
      const have = this.durable.get(key);
      const same = want === null ? have === undefined : have !== undefined && equalBytes(have, want);
      if (!same) {
        report(`${this.o.node}: acknowledged durable write of ${key} was lost in a crash`);
        return;
      }
    }
  }

  /** Durable contents, for tests and checkers. */
  durableSnapshot(): Map<string, Uint8Array> {
    return cloneMap(this.durable);
  }

  private makeDurable(upTo: BatchOp[]): void {
    const i = this.unsynced.indexOf(upTo);
    if (i < 0) return;
    const done = this.unsynced.splice(0, i + 1);
    for (const b of done) {
      for (const op of b) {
        this.acknowledged.set(op.key, op.type === 'put' ? op.value : null);
        // Written again and acknowledged: from here the contract holds for this key once more.
        this.faulted.delete(op.key);
      }
      if (this.o.bugs?.has('sync-lies') === true && this.o.rng.chance(0.3)) continue;
      this.applyTo(this.durable, b);
    }
  }

  /**
   * The model's values are its own copies (copyOp took them at the write) and nothing changes one in
   * place (a bit flip stores a flipped copy, reads hand out copies): the visible and the durable
   * state may share them.
   */
  private applyTo(map: Map<string, Uint8Array>, batch: readonly BatchOp[]): void {
    for (const op of batch) {
      if (op.type === 'put') map.set(op.key, op.value);
      else map.delete(op.key);
    }
  }

  private observe(op: DiskEvent['op'], keys: number): void {
    this.o.observer?.({ time: this.o.scheduler.now(), op, keys });
  }
}

function copyOp(op: BatchOp): BatchOp {
  return op.type === 'put' ? { type: 'put', key: op.key, value: op.value.slice() } : { type: 'del', key: op.key };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function cloneMap(m: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of m) out.set(k, v.slice());
  return out;
}
