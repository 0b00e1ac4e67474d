import { afterAll, describe, expect, it } from 'vitest';
import { blsScheme } from '../../src/crypto/bls.ts';
import type { SignatureSet } from '../../src/consensus/signature-sets.ts';
import { SignaturePool } from '../../src/io/prod/signature-pool.ts';

const keys = Array.from({ length: 4 }, (_, i) => blsScheme.keyFromSeed(new Uint8Array(32).fill(i + 1)));
const msg = (i: number) => new Uint8Array(32).fill(i);

describe('SignaturePool (worker threads, real BLS)', () => {
  const pool = new SignaturePool(2);
  afterAll(() => pool.close());

  it('answers one verdict per set, in order, across workers', async () => {
    const sets: SignatureSet[] = [];
    const expected: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const k = keys[i % keys.length]!;
      const good = i % 3 !== 0;
      sets.push({ kind: 'single', publicKey: k.publicKey, message: msg(i), signature: k.sign(good ? msg(i) : msg(i + 1)) });
      expected.push(good);
    }
    const agg = blsScheme.aggregate(keys.slice(0, 3).map((k) => k.sign(msg(99))));
    sets.push({ kind: 'aggregate', publicKeys: keys.slice(0, 3).map((k) => k.publicKey), message: msg(99), signature: agg });
    expected.push(true);
    sets.push({ kind: 'aggregate', publicKeys: keys.slice(1, 4).map((k) => k.publicKey), message: msg(99), signature: agg });
    expected.push(false);
    expect(await pool.verify(sets)).toEqual(expected);
  });

  it('verifies an all-valid job as one batch, aggregates included', async () => {
    const sets: SignatureSet[] = Array.from({ length: 64 }, (_, i) => {
      const k = keys[i % 4]!;
      return { kind: 'single', publicKey: k.publicKey, message: msg(i), signature: k.sign(msg(i)) };
    });
    sets.push({ kind: 'aggregate', publicKeys: keys.map((k) => k.publicKey), message: msg(7), signature: blsScheme.aggregate(keys.map((k) => k.sign(msg(7)))) });
    expect(await pool.verify(sets)).toEqual(sets.map(() => true));
  });

  it('is not fooled by signatures swapped between two sets (the batch is randomised)', async () => {
    // The two signatures still sum to the right total: a batch without random weights would pass.
    const [a, b] = [keys[0]!, keys[1]!];
    const sets: SignatureSet[] = [
      { kind: 'single', publicKey: a.publicKey, message: msg(1), signature: b.sign(msg(2)) },
      { kind: 'single', publicKey: b.publicKey, message: msg(2), signature: a.sign(msg(1)) },
    ];
    expect(await pool.verify(sets)).toEqual([false, false]);
  });

  it('answers false, not an exception, for malformed keys and signatures', async () => {
    const r = await pool.verify([
      { kind: 'single', publicKey: new Uint8Array(48).fill(0xff), message: msg(1), signature: keys[0]!.sign(msg(1)) },
      { kind: 'single', publicKey: keys[0]!.publicKey, message: msg(1), signature: new Uint8Array(7) },
      { kind: 'aggregate', publicKeys: [], message: msg(1), signature: keys[0]!.sign(msg(1)) },
    ]);
    expect(r).toEqual([false, false, false]);
  });

  it('agrees with the in-thread scheme on random sets', async () => {
    const sets: SignatureSet[] = Array.from({ length: 16 }, (_, i) => {
      const k = keys[i % 4]!;
      return { kind: 'single', publicKey: keys[(i * 7) % 4]!.publicKey, message: msg(i), signature: k.sign(msg(i)) };
    });
    const inThread = sets.map((s) => s.kind === 'single' && blsScheme.verify(s.publicKey, s.message, s.signature));
    expect(await pool.verify(sets)).toEqual(inThread);
    expect(inThread.some((x) => x)).toBe(true);
    expect(inThread.some((x) => !x)).toBe(true);
  });
});
