// StorageIO on a real disk: LevelDB through classic-level. The simulation's SimDisk defines the
// contract (src/io/storage.ts); this file keeps it on real hardware:
//  - write(ops, { sync }) is one LevelDB WriteBatch, so a batch is all or nothing after any crash;
//    { sync: true } makes LevelDB fsync its log before the promise resolves, so a resolved synced
//    write survives a process kill and a power loss.
//  - sync() writes a synced marker (a delete of a reserved key, which leaves no data): the log is
//    append-only, so syncing it covers every earlier write in the same log file. Caveat (LevelDB
//    issue google/leveldb#193): unsynced writes that sit in a log file LevelDB has already rotated
//    away from are not fsynced by a later sync, so under power loss (not a process kill) sync()
//    is weaker than the simulation's. Every durable write of the node passes { sync: true }, which
//    has no such gap.
//  - scan(prefix) returns entries in ascending key order. LevelDB orders the UTF-8 bytes, which is
//    code point order; SimDisk sorts JS strings (UTF-16 units). The two agree on every key below
//    U+E000, which covers every key the node writes (ASCII, see storage-keys.md).
// Key layout: src/io/prod/storage-keys.md.
import { ClassicLevel } from 'classic-level';
import type { BatchOp, StorageIO, WriteOptions } from '../storage.ts';

export type StorageOp = 'open' | 'get' | 'write' | 'scan' | 'sync' | 'close';

/** A failed disk operation: which one, how many keys it touched, and LevelDB's code when it gave one. */
export class StorageError extends Error {
  constructor(
    readonly op: StorageOp,
    readonly keys: number,
    readonly code: string | undefined,
    options: { readonly cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`storage ${op} of ${keys} key(s) failed${code === undefined ? '' : ` (${code})`}: ${why}`, options);
    this.name = 'StorageError';
  }
}

/** Reserved key: sync() deletes it in a synced batch. Never holds a value. */
export const SYNC_MARKER_KEY = 'meta/sync-marker';

type Db = ClassicLevel<string, Uint8Array>;

export class LevelStorage implements StorageIO {
  private constructor(
    private readonly db: Db,
    readonly dir: string,
  ) {}

  /** Opens (creating if missing) the database in dir. One process at a time: LevelDB locks dir. */
  static async open(dir: string): Promise<LevelStorage> {
    const db: Db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await guard('open', 0, () => db.open());
    return new LevelStorage(db, dir);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = await guard('get', 1, () => this.db.get(key));
    return v === undefined ? undefined : plain(v);
  }

  async write(ops: readonly BatchOp[], options: WriteOptions): Promise<void> {
    // abstract-level skips an empty batch entirely; a synced empty write still promises durability.
    if (ops.length === 0) return options.sync ? this.sync() : undefined;
    const batch = ops.map((op) => (op.type === 'put' ? { type: 'put' as const, key: op.key, value: op.value } : { type: 'del' as const, key: op.key }));
    await guard('write', ops.length, () => this.db.batch(batch, { sync: options.sync }));
  }

  async scan(prefix: string): Promise<Array<readonly [string, Uint8Array]>> {
    const out: Array<readonly [string, Uint8Array]> = [];
    await guard('scan', 0, async () => {
      // Keys with this prefix are one contiguous range in byte order; the range ends at the first
      // key without it. (An lt bound of prefix + '\xff' would miss keys whose next char is >= U+00FF.)
      const it = this.db.iterator({ gte: prefix });
      try {
        for await (const [k, v] of it) {
          if (!k.startsWith(prefix)) break;
          out.push([k, plain(v)]);
        }
      } finally {
        await it.close();
      }
    });
    return out;
  }

  async sync(): Promise<void> {
    await guard('sync', 0, () => this.db.batch([{ type: 'del', key: SYNC_MARKER_KEY }], { sync: true }));
  }

  async close(): Promise<void> {
    await guard('close', 0, () => this.db.close());
  }
}

async function guard<T>(op: StorageOp, keys: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    throw new StorageError(op, keys, code, { cause: err });
  }
}

/** A plain Uint8Array copy: classic-level hands out Buffers, and callers may keep or mutate values. */
function plain(v: Uint8Array): Uint8Array {
  return new Uint8Array(v);
}
