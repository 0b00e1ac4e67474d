// Both signature schemes pass the same suite: good signatures verify, and a forged one, one by
// another key, one over another message and an aggregate missing a signer do not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blsScheme } from '../../src/crypto/bls.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';

for (const scheme of [simScheme, blsScheme]) {
  describe(`${scheme.name} signatures`, () => {
    const ks = Array.from({ length: 4 }, (_, i) => scheme.keyFromSeed(new Uint8Array(32).fill(0x40 + i)));
    const k0 = ks[0]!;
    const k1 = ks[1]!;
    const runs = scheme.name === 'bls' ? 10 : 100;

    it('verifies what its key signed and nothing else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (m, other) => {
          const sig = k0.sign(m);
          expect(scheme.verify(k0.publicKey, m, sig)).toBe(true);
          expect(scheme.verify(k1.publicKey, m, sig)).toBe(false);
          if (other.length !== m.length || other.some((b, i) => b !== m[i])) expect(scheme.verify(k0.publicKey, other, sig)).toBe(false);
          const forged = sig.slice();
          forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
          expect(scheme.verify(k0.publicKey, m, forged)).toBe(false);
        }),
        { numRuns: runs },
      );
    });

    it('aggregates verify only with exactly the signers', () => {
      const m = new TextEncoder().encode('block hash');
      const agg = scheme.aggregate(ks.slice(0, 3).map((k) => k.sign(m)));
      expect(scheme.verifyAggregate(ks.slice(0, 3).map((k) => k.publicKey), m, agg)).toBe(true);
      expect(scheme.verifyAggregate(ks.slice(0, 2).map((k) => k.publicKey), m, agg)).toBe(false);
      expect(scheme.verifyAggregate(ks.map((k) => k.publicKey), m, agg)).toBe(false);
      expect(scheme.verifyAggregate([], m, agg)).toBe(false);
      expect(scheme.verifyAggregate(ks.slice(0, 3).map((k) => k.publicKey), new Uint8Array([1]), agg)).toBe(false);
    });

    it('rejects garbage keys and signatures without throwing', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 120 }), (pk, sig) => {
          expect(scheme.verify(pk, new Uint8Array([1, 2]), sig)).toBe(false);
        }),
        { numRuns: runs },
      );
    });
  });
}

describe('sim signatures: what the key-object shortcut must not change', () => {
  const ks = Array.from({ length: 3 }, (_, i) => simScheme.keyFromSeed(new Uint8Array(32).fill(0x70 + i)));
  const m = new TextEncoder().encode('approval');

  it('refuses an aggregate naming one signer twice, even through two copies of its key', () => {
    const [a, b] = ks as [(typeof ks)[number], (typeof ks)[number]];
    const agg = simScheme.aggregate([a.sign(m), a.sign(m), b.sign(m)]);
    expect(simScheme.verifyAggregate([a.publicKey, a.publicKey.slice(), b.publicKey], m, agg)).toBe(false);
    // Two XORed copies cancel out: without the repeat check this would pass as b alone.
    expect(simScheme.verifyAggregate([a.publicKey, a.publicKey.slice(), b.publicKey], m, b.sign(m))).toBe(false);
    expect(simScheme.verifyAggregate([a.publicKey, b.publicKey], m, simScheme.aggregate([a.sign(m), b.sign(m)]))).toBe(true);
  });

  it('looks a key object altered in place up again, by its new bytes', () => {
    const [a, b] = ks as [(typeof ks)[number], (typeof ks)[number]];
    const pk = a.publicKey.slice();
    expect(simScheme.verify(pk, m, a.sign(m))).toBe(true);
    pk.set(b.publicKey);
    expect(simScheme.verify(pk, m, a.sign(m))).toBe(false);
    expect(simScheme.verify(pk, m, b.sign(m))).toBe(true);
    pk[0] = (pk[0] ?? 0) ^ 1;
    expect(simScheme.verify(pk, m, b.sign(m))).toBe(false);
  });
});
