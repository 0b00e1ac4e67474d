// The simulated disk of one node. What a node reads is its visible state; only what a completed
// synced write (or sync) covered is durable. A crash resets the visible state to the durable one,
// so unsynced writes are lost exactly as on a real machine, and a synced batch still in flight may
// be torn (a prefix of it lands) when the scenario allows it.
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
  readonly op: 'read' | 'write' | 'sync' | 'scan' | 'crash' | 'torn' | 'error';
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
  crashes = 0;

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
        const batch = ops.map(copyOp);
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
    this.visible = cloneMap(this.durable);
    this.observe('crash', 0);
    this.checkContract(torn);
  }

  /** After a crash, every acknowledged write must have survived (keys of a torn batch aside). */
  private checkContract(torn: readonly BatchOp[] | undefined): void {
    const report = this.o.onDurabilityViolation;
    if (report === undefined) return;
    const tornKeys = new Set((torn ?? []).map((op) => op.key));
    for (const [key, want] of this.acknowledged) {
      if (tornKeys.has(key)) continue;
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
      for (const op of b) this.acknowledged.set(op.key, op.type === 'put' ? op.value : null);
      if (this.o.bugs?.has('sync-lies') === true && this.o.rng.chance(0.3)) continue;
      this.applyTo(this.durable, b);
    }
  }

  private applyTo(map: Map<string, Uint8Array>, batch: readonly BatchOp[]): void {
    for (const op of batch) {
      if (op.type === 'put') map.set(op.key, op.value.slice());
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
