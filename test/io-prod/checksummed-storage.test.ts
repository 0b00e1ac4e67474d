// The checksum layer every node stores through: a record reads back as written; a flipped bit, a
// value under another key, a truncated or unversioned record is reported and absent to the reader
// (never handed up); rewriting the key repairs it; the planted bug hands records up unchecked.
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES, type CorruptRecord, checksummedStorage, openRecord, sealRecord } from '../../src/io/checksummed-storage.ts';
import { crc32c } from '../../src/io/crc32c.ts';
import type { BatchOp, StorageIO } from '../../src/io/storage.ts';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** A plain in-memory StorageIO: what lies under the layer. */
function memory(): StorageIO & { readonly map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>();
  return {
    map,
    get: (k) => Promise.resolve(map.get(k)?.slice()),
    scan: (p) => Promise.resolve([...map].filter(([k]) => k.startsWith(p)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, val]) => [k, val.slice()] as const)),
    write: (ops: readonly BatchOp[]) => {
      for (const op of ops) if (op.type === 'put') map.set(op.key, op.value.slice()); else map.delete(op.key);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
  };
}

function layered(bugs: string[] = []) {
  const raw = memory();
  const corrupt: CorruptRecord[] = [];
  const repaired: string[] = [];
  const audit: Array<{ key: string; served: boolean }> = [];
  const s = checksummedStorage(raw, { bugs: { has: (n) => bugs.includes(n) }, onCorrupt: (c) => corrupt.push(c), onRepaired: (k) => repaired.push(k), audit: (key, _raw, served) => audit.push({ key, served }) });
  return { raw, s, corrupt, repaired, audit };
}

describe('crc32c', () => {
  it('matches the standard check value and continues across chunks', () => {
    expect(crc32c(v('123456789'))).toBe(0xe3069283);
    expect(crc32c(v('56789'), crc32c(v('1234')))).toBe(0xe3069283);
  });
});

describe('checksummed storage', () => {
  it('reads back what it wrote, through get and scan, with a header on disk', async () => {
    const { raw, s, corrupt } = layered();
    await s.write([{ type: 'put', key: 'chain/h/1', value: v('one') }, { type: 'put', key: 'chain/h/2', value: v('two') }], { sync: true });
    expect(text(await s.get('chain/h/1'))).toBe('one');
    expect((await s.scan('chain/h/')).map(([k, val]) => `${k}=${text(val)}`)).toEqual(['chain/h/1=one', 'chain/h/2=two']);
    expect(raw.map.get('chain/h/1')?.length).toBe(RECORD_HEADER_BYTES + 3);
    expect(corrupt).toEqual([]);
  });

  it('every single-bit flip of a record is caught, and the record is absent to its reader', async () => {
    const sealed = sealRecord('chain/h/1', v('a block of some length'));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const { raw, s, corrupt, audit } = layered();
      const bad = sealed.slice();
      bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
      raw.map.set('chain/h/1', bad);
      expect(await s.get('chain/h/1')).toBeUndefined();
      expect(await s.scan('chain/')).toEqual([]);
      expect(corrupt).toHaveLength(2);
      expect(corrupt[0]?.key).toBe('chain/h/1');
      expect(audit.every((a) => !a.served)).toBe(true);
    }
  });

  it('a value that landed under another key is caught (the checksum covers the key)', async () => {
    const { raw, s, corrupt } = layered();
    await s.write([{ type: 'put', key: 'chain/h/1', value: v('one') }, { type: 'put', key: 'chain/h/2', value: v('two') }], { sync: true });
    raw.map.set('chain/h/2', raw.map.get('chain/h/1') as Uint8Array);
    expect((await s.scan('chain/h/')).map(([k]) => k)).toEqual(['chain/h/1']);
    expect(corrupt.map((c) => `${c.key}:${c.reason}`)).toEqual(['chain/h/2:checksum-mismatch']);
  });

  it('names a truncated record and one of an unknown version', () => {
    expect(openRecord('k', new Uint8Array([1, 2]))).toEqual({ corrupt: { key: 'k', reason: 'too-short', bytes: 2 } });
    const r = openRecord('k', new Uint8Array([9, 0, 0, 0, 0, 7]));
    expect('corrupt' in r && r.corrupt.reason).toBe('unknown-version');
  });

  it('writing the key again repairs it, and says so once', async () => {
    const { raw, s, repaired } = layered();
    raw.map.set('chain/finalized', v('garbage'));
    expect(await s.get('chain/finalized')).toBeUndefined();
    await s.write([{ type: 'put', key: 'chain/finalized', value: v('{"height":3}') }], { sync: true });
    await s.write([{ type: 'put', key: 'chain/finalized', value: v('{"height":4}') }], { sync: true });
    expect(repaired).toEqual(['chain/finalized']);
    expect(text(await s.get('chain/finalized'))).toBe('{"height":4}');
  });

  it('the planted bug storage-skip-checksum hands a corrupt record up', async () => {
    const { raw, s, corrupt, audit } = layered(['storage-skip-checksum']);
    const bad = sealRecord('k', v('value'));
    bad[RECORD_HEADER_BYTES] = (bad[RECORD_HEADER_BYTES] as number) ^ 1;
    raw.map.set('k', bad);
    expect(text(await s.get('k'))).toBe('walue');
    expect(corrupt).toEqual([]);
    expect(audit).toEqual([{ key: 'k', served: true }]);
  });
});
