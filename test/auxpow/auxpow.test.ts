// Merged mining: the miner's output passes the check; each kind of tampering fails with its code;
// untrusted bytes never throw anything but AuxPowError; the retarget moves the right way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuxPow, AuxPowError, checkAuxPow, decodeAuxPow, encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { bitsToTarget, hashToNumberLE, sha256d, targetToBits } from '../../src/auxpow/bitcoin.ts';
import { bundleHash } from '../../src/auxpow/bundle.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import { nextBits, withinPowAllowance } from '../../src/auxpow/retarget.ts';
import { AuxWork } from '../../src/auxpow/work.ts';
import { toHex } from '../../src/types/hex.ts';

const chainId = 1337;
const bits = 0x207fffff;
const auxHash = bundleHash([new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]);
const mined = mineAuxPow(auxHash, chainId, bits, 0, 1_000)?.auxPow as AuxPow;

const codeOf = (f: () => void): string => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof AuxPowError ? err.code : `unexpected ${String(err)}`;
  }
};

describe('auxpow', () => {
  it('reads a hash as a little-endian number (the first byte the least significant)', () => {
    expect(hashToNumberLE(new Uint8Array([1, 2]))).toBe(0x0201n);
    expect(hashToNumberLE(new Uint8Array(0))).toBe(0n);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const input = bytes.slice();
        let want = 0n;
        bytes.forEach((b, i) => {
          want += BigInt(b) << BigInt(8 * i);
        });
        expect(hashToNumberLE(bytes)).toBe(want);
        expect(bytes).toEqual(input);
      }),
    );
  });

  it('the simulated miner produces work that passes the check and survives encoding', () => {
    expect(mined).toBeDefined();
    expect(codeOf(() => checkAuxPow(mined, auxHash, chainId, bits))).toBe('ok');
    expect(codeOf(() => checkAuxPow(decodeAuxPow(encodeAuxPow(mined)), auxHash, chainId, bits))).toBe('ok');
  });

  it('each kind of tampering fails with its own code', () => {
    const flip = (b: Uint8Array, i: number) => b.map((x, j) => (j === i ? x ^ 1 : x));
    expect(codeOf(() => checkAuxPow(mined, new Uint8Array(32).fill(9), chainId, bits))).toBe('MISSING_COMMITMENT');
    expect(codeOf(() => checkAuxPow({ ...mined, coinbaseTx: flip(mined.coinbaseTx, 0) }, auxHash, chainId, bits))).toBe('BAD_COINBASE_BRANCH');
    expect(codeOf(() => checkAuxPow({ ...mined, coinbaseBranch: [new Uint8Array(32)] }, auxHash, chainId, bits))).toBe('BAD_COINBASE_BRANCH');
    expect(codeOf(() => checkAuxPow({ ...mined, coinbaseIndex: 1 }, auxHash, chainId, bits))).toBe('COINBASE_NOT_FIRST');
    expect(codeOf(() => checkAuxPow({ ...mined, parentHeader: { ...mined.parentHeader, version: chainId << 16 } }, auxHash, chainId, bits))).toBe('WRONG_CHAIN_ID');
    expect(codeOf(() => checkAuxPow({ ...mined, chainIndex: 1 }, auxHash, chainId, bits))).toBe('WRONG_CHAIN_INDEX');
    // Demanding far more work than the regtest target the miner met.
    expect(codeOf(() => checkAuxPow(mined, auxHash, chainId, 0x1d00ffff))).toBe('INSUFFICIENT_WORK');
    const twice = new Uint8Array([...mined.coinbaseTx, 0xfa, 0xbe, 0x6d, 0x6d]);
    const withTwo = { ...mined, coinbaseTx: twice, parentHeader: { ...mined.parentHeader, merkleRoot: sha256d(twice) } };
    expect(codeOf(() => checkAuxPow(withTwo, auxHash, chainId, bits))).toMatch(/MULTIPLE_COMMITMENTS|INSUFFICIENT_WORK/);
  });

  it('parsing untrusted bytes throws only AuxPowError', () => {
    const valid = encodeAuxPow(mined);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.tuple(fc.nat(valid.length), fc.nat(255)).map(([i, v]) => valid.map((x, j) => (j === i ? v : x)).slice(0, Math.max(1, i)))), (bytes) => {
        expect(codeOf(() => checkAuxPow(decodeAuxPow(bytes), auxHash, chainId, bits))).not.toMatch(/^unexpected/);
      }),
      { numRuns: 500 },
    );
  });

  it('compact bits round-trip', () => {
    for (const b of [0x207fffff, 0x1d00ffff, 0x1b0404cb, 0x180b1d2c]) expect(targetToBits(bitsToTarget(b))).toBe(b);
  });

  it('retarget: faster finalizations make it harder, slower easier, by at most 4x, never past the limit', () => {
    const start = 0x1e0fffff;
    const t = (b: number) => bitsToTarget(b);
    expect(t(nextBits(start, 5, 10))).toBeLessThan(t(start));
    expect(t(nextBits(start, 20, 10))).toBeGreaterThan(t(start));
    // Compact bits keep 3 bytes of mantissa: ratios hold to that precision.
    const ratio = (b: number) => Number(t(b)) / Number(t(start));
    expect(ratio(nextBits(start, 0, 10))).toBeGreaterThan(0.2499);
    expect(ratio(nextBits(start, 0, 10))).toBeLessThan(0.2501);
    expect(ratio(nextBits(start, 1_000, 10))).toBeLessThan(4.0001);
    expect(ratio(nextBits(start, 1_000, 10))).toBeGreaterThan(3.999);
    expect(t(nextBits(0x207fffff, 1_000, 10))).toBe(t(0x207fffff));
    expect(withinPowAllowance(60, 10, 50)).toBe(true);
    expect(withinPowAllowance(61, 10, 50)).toBe(false);
  });

  it('submitauxblock accepts only issued work, once', () => {
    const w = new AuxWork(chainId);
    const block = w.create({ auxHash, rangeStart: new Uint8Array(32), rangeEnd: new Uint8Array(32).fill(2), height: 2, bits });
    expect(block.hash).toBe(toHex(auxHash));
    expect(block.bits).toBe('207fffff');
    const hex = toHex(encodeAuxPow(mined));
    expect(w.submit('00'.repeat(32), hex).ok).toBe(false);
    for (const bad of ['zz', '', `0x${hex}`, hex.slice(1), `${hex} `]) expect(w.submit(block.hash, bad)).toEqual({ ok: false, error: 'auxpow is not hex' });
    // Upper case is hex too (the proof then fails or passes on its own merits).
    expect(w.submit(block.hash, hex.toUpperCase()).ok).toBe(true);
    w.create({ auxHash, rangeStart: new Uint8Array(32), rangeEnd: new Uint8Array(32).fill(2), height: 2, bits });
    expect(w.submit(block.hash, hex).ok).toBe(true);
    expect(w.submit(block.hash, hex).ok).toBe(false);
  });
});
