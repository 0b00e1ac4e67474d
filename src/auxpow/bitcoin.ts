// The bits of Bitcoin that merged mining needs: double SHA-256, compact difficulty, 80-byte headers,
// merkle branches. Hashes are kept in internal byte order (as hashed); display order is reversed.
import { sha256 } from '../crypto/sha256.ts';
import { concat, toHex } from '../types/hex.ts';

export { concat };

export const sha256d = (b: Uint8Array): Uint8Array => sha256(sha256(b));

/** Compact "bits" to the 256-bit target. */
export function bitsToTarget(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  if ((bits & 0x00800000) !== 0) return 0n; // negative targets are invalid
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

export function targetToBits(target: bigint): number {
  if (target <= 0n) return 0;
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let mantissa = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  if ((mantissa & 0x00800000) !== 0) {
    mantissa >>= 8;
    size++;
  }
  return ((size << 24) | mantissa) >>> 0;
}

/** A header hash meets a target when, read as a little-endian number, it is at most the target. */
export function hashToNumberLE(hash: Uint8Array): bigint {
  if (hash.length === 0) return 0n;
  // One BigInt from the reversed bytes' hex, not a shift and an OR (two BigInts) per byte: every
  // node checks every proof's work (and the miner every nonce).
  return BigInt(`0x${toHex(hash.slice().reverse())}`);
}

export interface BlockHeader {
  readonly version: number;
  readonly prevBlock: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(80);
  const v = new DataView(out.buffer);
  v.setInt32(0, h.version, true);
  out.set(h.prevBlock, 4);
  out.set(h.merkleRoot, 36);
  v.setUint32(68, h.time, true);
  v.setUint32(72, h.bits, true);
  v.setUint32(76, h.nonce, true);
  return out;
}

export function decodeHeader(b: Uint8Array): BlockHeader {
  const v = new DataView(b.buffer, b.byteOffset, 80);
  return { version: v.getInt32(0, true), prevBlock: b.slice(4, 36), merkleRoot: b.slice(36, 68), time: v.getUint32(68, true), bits: v.getUint32(72, true), nonce: v.getUint32(76, true) };
}

/** Walks a merkle branch from a leaf at `index` up to the root (Bitcoin's convention). */
export function merkleRootFromBranch(leaf: Uint8Array, branch: readonly Uint8Array[], index: number): Uint8Array {
  let h = leaf;
  let i = index;
  for (const sibling of branch) {
    h = (i & 1) === 1 ? sha256d(concat(sibling, h)) : sha256d(concat(h, sibling));
    i >>>= 1;
  }
  return h;
}
