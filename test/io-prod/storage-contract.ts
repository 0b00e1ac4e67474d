// The StorageIO contract as tests, written once and run against both the simulated disk (SimDisk)
// and the real one (LevelStorage): whatever the simulation lets the node rely on, production must
// give too. "reopen" is a crash for SimDisk (only synced data survives) and close + open for LevelDB,
// so the contract only asserts what survives both: synced writes.
import { describe, expect, it } from 'vitest';
import type { StorageIO } from '../../src/io/storage.ts';

export interface StorageHarness {
  readonly storage: () => StorageIO;
  /** Ends this incarnation (crash or close) and opens the same disk again. */
  reopen(): Promise<void>;
  dispose(): Promise<void>;
}

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

export function storageContract(name: string, make: () => Promise<StorageHarness>): void {
  describe(`StorageIO contract: ${name}`, () => {
    const withHarness = (fn: (h: StorageHarness) => Promise<void>) => async () => {
      const h = await make();
      try {
        await fn(h);
      } finally {
        await h.dispose();
      }
    };

    it('puts, overwrites, deletes and reads back; a missing key is undefined', withHarness(async (h) => {
      const s = h.storage();
      expect(await s.get('nope')).toBeUndefined();
      await s.write([{ type: 'put', key: 'a', value: v('1') }, { type: 'put', key: 'b', value: v('2') }], { sync: true });
      expect(text(await s.get('a'))).toBe('1');
      await s.write([{ type: 'put', key: 'a', value: v('3') }, { type: 'del', key: 'b' }], { sync: false });
      expect(text(await s.get('a'))).toBe('3');
      expect(await s.get('b')).toBeUndefined();
      await s.write([{ type: 'del', key: 'never-written' }], { sync: true });
      expect(await s.get('never-written')).toBeUndefined();
    }));

    it('applies a batch in order: the last op on a key wins', withHarness(async (h) => {
      const s = h.storage();
      await s.write([{ type: 'put', key: 'x', value: v('1') }, { type: 'del', key: 'x' }, { type: 'put', key: 'y', value: v('1') }, { type: 'del', key: 'y' }, { type: 'put', key: 'y', value: v('2') }], { sync: true });
      expect(await s.get('x')).toBeUndefined();
      expect(text(await s.get('y'))).toBe('2');
    }));

    it('never aliases values: mutating what was written or read changes nothing stored', withHarness(async (h) => {
      const s = h.storage();
      const value = new Uint8Array([1, 2, 3]);
      await s.write([{ type: 'put', key: 'k', value }], { sync: true });
      value[0] = 9;
      const read = await s.get('k');
      expect(read).toEqual(new Uint8Array([1, 2, 3]));
      read![1] = 9;
      expect(await s.get('k')).toEqual(new Uint8Array([1, 2, 3]));
      expect(Object.getPrototypeOf(read)).toBe(Uint8Array.prototype);
    }));

    it('a batch lands whole: every key of a large batch is there, before and after reopen', withHarness(async (h) => {
      const ops = Array.from({ length: 500 }, (_, i) => ({ type: 'put' as const, key: `batch/${String(i).padStart(4, '0')}`, value: new Uint8Array(200).fill(i % 256) }));
      await h.storage().write(ops, { sync: true });
      for (const round of [0, 1]) {
        const rows = await h.storage().scan('batch/');
        expect(rows.map(([k]) => k), `round ${round}`).toEqual(ops.map((o) => o.key));
        expect(rows.every(([, val], i) => val.length === 200 && val.every((b) => b === i % 256))).toBe(true);
        await h.reopen();
      }
    }));

    it('scans a prefix in ascending key order, exactly its keys and no neighbour', withHarness(async (h) => {
      // Neighbours on both sides of 'a/', and next characters that an lt 'a/\xff' bound would cut off.
      const inside = ['a/', 'a/1', 'a/10', 'a/2', 'a/b/c', 'a/\u00fe', 'a/\u00ff', 'a/\u00ffz', 'a/\u00e9', 'a/\u4e00'];
      const outside = ['a', 'a.', 'a0', 'A/1', 'b/', '', ' a/'];
      const shuffled = [...inside, ...outside].sort((x, y) => (hash(x) - hash(y)));
      await h.storage().write(shuffled.map((key) => ({ type: 'put', key, value: v(key) })), { sync: true });
      const expected = [...inside].sort();
      for (const round of [0, 1]) {
        const rows = await h.storage().scan('a/');
        expect(rows.map(([k]) => k), `round ${round}`).toEqual(expected);
        expect(rows.every(([k, val]) => text(val) === k)).toBe(true);
        expect((await h.storage().scan('')).map(([k]) => k).filter((k) => !k.startsWith('meta/'))).toEqual([...inside, ...outside].sort());
        expect(await h.storage().scan('zz')).toEqual([]);
        await h.reopen();
      }
    }));

    it('keeps synced writes, and writes covered by a later sync(), across a reopen', withHarness(async (h) => {
      const s = h.storage();
      await s.write([{ type: 'put', key: 'chain/h/000000000001/aa', value: v('block') }], { sync: true });
      await s.write([{ type: 'put', key: 'pegout/cursor', value: v('7') }], { sync: false });
      await s.write([{ type: 'del', key: 'chain/h/000000000001/aa' }, { type: 'put', key: 'chain/h/000000000002/bb', value: v('b2') }], { sync: false });
      await s.sync();
      await s.write([], { sync: true });
      await h.reopen();
      const s2 = h.storage();
      expect(text(await s2.get('pegout/cursor'))).toBe('7');
      expect((await s2.scan('chain/h/')).map(([k, val]) => [k, text(val)])).toEqual([['chain/h/000000000002/bb', 'b2']]);
    }));
  });
}

function hash(s: string): number {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619) >>> 0;
  return x;
}
