// sha256 takes two roads (WebAssembly below 192 bytes, OpenSSL from there up): both must give
// SHA-256, on every length around the switch, and the digest must be the caller's own bytes.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.ts';

const reference = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());

describe('sha256', () => {
  it('is SHA-256 on every input, short and long', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (d) => {
        expect(sha256(d)).toEqual(reference(d));
      }),
      { numRuns: 2_000 },
    );
    for (let n = 0; n <= 300; n++) expect(sha256(new Uint8Array(n).fill(n))).toEqual(reference(new Uint8Array(n).fill(n)));
  });

  it('hands out a digest over its own 32 bytes, which the next call does not overwrite', () => {
    const a = sha256(new Uint8Array([1]));
    const before = a.slice();
    sha256(new Uint8Array([2]));
    sha256(new Uint8Array(500));
    expect(a).toEqual(before);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(32);
    expect(sha256(new Uint8Array(500)).buffer.byteLength).toBe(32);
  });
});
