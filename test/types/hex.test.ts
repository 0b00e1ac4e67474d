// Hex is how hashes become map keys and JSON: both directions must agree with each other and with
// Node's own encoder, and fromHex must refuse anything that is not hex.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/types/hex.ts';

describe('hex', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(
      // Both sides of 64 bytes: shorter arrays are encoded through a scratch buffer.
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const before = bytes.slice();
        const hex = toHex(bytes);
        expect(bytes).toEqual(before);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(`0x${hex.toUpperCase()}`)).toEqual(bytes);
        // A view into a larger buffer is encoded as its own bytes only.
        expect(toHex(bytes.subarray(1, -1))).toBe(hex.slice(2, -2));
      }),
    );
    for (const n of [0, 1, 63, 64, 65, 128]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it('refuses odd lengths and non-hex characters with a clear error', () => {
    for (const bad of ['abc', '0xzz', 'g0', '12 4', '١٢', '0x0', 'ff\u00ff0']) expect(() => fromHex(bad)).toThrow(/not hex/);
    expect(fromHex('')).toEqual(new Uint8Array());
    expect(fromHex('0x')).toEqual(new Uint8Array());
  });
});
