// LevelStorage (classic-level) keeps the StorageIO contract the simulation defines: the same contract
// suite runs against SimDisk and LevelStorage. Below it, what only the real disk has: typed errors,
// a lock per directory, and unsynced writes that survive a clean close.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStorage, StorageError } from '../../src/io/prod/level-storage.ts';
import { SimDisk } from '../../src/io/sim/storage.ts';
import type { StorageIO } from '../../src/io/storage.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { type StorageHarness, storageContract } from './storage-contract.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'alys-level-'));

async function levelHarness(): Promise<StorageHarness> {
  const dir = await tempDir();
  let db = await LevelStorage.open(dir);
  return {
    storage: () => db,
    reopen: async () => {
      await db.close();
      db = await LevelStorage.open(dir);
    },
    dispose: async () => {
      await db.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function simHarness(): Promise<StorageHarness> {
  const scheduler = new Scheduler();
  const disk = new SimDisk({ node: 'n0', scheduler, rng: new SeededRng(7) });
  let owner = { alive: true };
  let io = disk.open(owner);
  // SimDisk completes operations in virtual time: run the scheduler until the answer is there.
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    await scheduler.runToQuiescence();
    return p;
  };
  const storage: StorageIO = {
    get: (k) => settle(io.get(k)),
    write: (ops, o) => settle(io.write(ops, o)),
    scan: (p) => settle(io.scan(p)),
    sync: () => settle(io.sync()),
  };
  return {
    storage: () => storage,
    reopen: async () => {
      owner.alive = false;
      disk.crash();
      owner = { alive: true };
      io = disk.open(owner);
    },
    dispose: async () => undefined,
  };
}

storageContract('SimDisk', simHarness);
storageContract('LevelStorage', levelHarness);

describe('LevelStorage only', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const fresh = async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  };

  it('keeps unsynced writes across a clean close, and sync() leaves no key behind', async () => {
    const dir = await fresh();
    const a = await LevelStorage.open(dir);
    await a.write([{ type: 'put', key: 'k', value: new Uint8Array([5]) }], { sync: false });
    await a.sync();
    await a.close();
    const b = await LevelStorage.open(dir);
    expect(await b.get('k')).toEqual(new Uint8Array([5]));
    expect((await b.scan('')).map(([k]) => k)).toEqual(['k']);
    await b.close();
  });

  it('fails with a typed StorageError naming the operation and key count', async () => {
    const dir = await fresh();
    const db = await LevelStorage.open(dir);
    const second = await LevelStorage.open(dir).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(StorageError);
    expect((second as StorageError).op).toBe('open');

    const bad = [{ type: 'put' as const, key: 'ok', value: new Uint8Array([1]) }, { type: 'put' as const, key: 'bad', value: null as unknown as Uint8Array }];
    const err = await db.write(bad, { sync: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ op: 'write', keys: 2 });
    expect(await db.get('ok')).toBeUndefined(); // the batch failed whole

    await db.close();
    const closed = await db.get('ok').catch((e: unknown) => e);
    expect(closed).toMatchObject({ name: 'StorageError', op: 'get', keys: 1, code: 'LEVEL_DATABASE_NOT_OPEN' });
    expect(String((closed as Error).message)).toMatch(/storage get of 1 key\(s\) failed \(LEVEL_DATABASE_NOT_OPEN\)/);
  });
});
