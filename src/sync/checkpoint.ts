// Checkpoints: every N blocks the node records what a restart needs to resume sync from there
// (the height and hash it had executed and persisted), with a checksum of its own, so that a torn
// or corrupted checkpoint is recognised and skipped for the one before it. Never from genesis
// again, unless no checkpoint survives.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, fromHex, toHex } from '../types/hex.ts';

export interface Checkpoint {
  readonly height: number;
  readonly hash: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const body = enc.encode(JSON.stringify({ height: c.height, hash: toHex(c.hash) }));
  return concat(sha256(body), body);
}

/** undefined when the bytes do not carry a checkpoint whose checksum holds. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint | undefined {
  if (bytes.length < 33) return undefined;
  const body = bytes.subarray(32);
  if (!equalBytes(sha256(body), bytes.subarray(0, 32))) return undefined;
  try {
    const j = JSON.parse(dec.decode(body)) as { height: unknown; hash: unknown };
    if (typeof j.height !== 'number' || !Number.isSafeInteger(j.height) || j.height < 0 || typeof j.hash !== 'string') return undefined;
    return { height: j.height, hash: fromHex(j.hash) };
  } catch {
    return undefined;
  }
}

export const checkpointKey = (height: number): string => `sync/checkpoint/${String(height).padStart(12, '0')}`;

/** The newest checkpoint whose checksum holds, from stored (key, bytes) pairs in any order. */
export function latestValid(entries: ReadonlyArray<readonly [string, Uint8Array]>): Checkpoint | undefined {
  let best: Checkpoint | undefined;
  for (const [, bytes] of entries) {
    const c = decodeCheckpoint(bytes);
    if (c !== undefined && (best === undefined || c.height > best.height)) best = c;
  }
  return best;
}

export function isCheckpointHeight(height: number, every: number): boolean {
  return height > 0 && height % every === 0;
}
