// Hex is how hashes become map keys and JSON: both directions must agree with each other and with
// Node's own encoder, and fromHex must refuse anything that is not hex.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/types/hex.ts';

describe('hex', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(`0x${hex.toUpperCase()}`)).toEqual(bytes);
        // A view into a larger buffer is encoded as its own bytes only.
        expect(toHex(bytes.subarray(1, -1))).toBe(hex.slice(2, -2));
      }),
    );
  });

  it('refuses odd lengths and non-hex characters with a clear error', () => {
    for (const bad of ['abc', '0xzz', 'g0', '12 4', '١٢', '0x0', 'ff\u00ff0']) expect(() => fromHex(bad)).toThrow(/not hex/);
    expect(fromHex('')).toEqual(new Uint8Array());
    expect(fromHex('0x')).toEqual(new Uint8Array());
  });
});
