// Every record the node stores carries a checksum over its key and its value, checked on every read.
// A disk can flip a bit at rest, write a value to the wrong place or drop a write it acknowledged;
// LevelDB's own block checksums are not verified on reads by default and say nothing of a value
// written under the wrong key. A record that fails its check is reported and never handed up: to
// its reader it is absent, so the chain refetches the block from peers and writes it again (the
// repair), instead of executing or serving corrupt bytes. Both the production node (over LevelDB)
// and the simulated one (over SimDisk) store through this layer (src/node/assemble.ts), so the
// simulation's disk faults exercise the same check.
//
// Record layout: [version 0x01][CRC-32C, 4 bytes big-endian][value]. The CRC covers the version,
// the key's UTF-8 bytes, a 0x00 separator and the value, so a value that lands under another key
// fails too (keys never contain 0x00).
import type { BugSwitches } from '../kernel/bugs.ts';
import { crc32c } from './crc32c.ts';
import type { BatchOp, StorageIO } from './storage.ts';

export const RECORD_VERSION = 1;
export const RECORD_HEADER_BYTES = 5;

export type CorruptReason = 'too-short' | 'unknown-version' | 'checksum-mismatch';

/** A stored record that failed its check: which key, why, and what was found against what was due. */
export interface CorruptRecord {
  readonly key: string;
  readonly reason: CorruptReason;
  readonly bytes: number;
  readonly stored?: number;
  readonly computed?: number;
}

export function describeCorrupt(c: CorruptRecord): string {
  const detail = c.reason === 'checksum-mismatch' ? ` (stored ${hex32(c.stored)}, computed ${hex32(c.computed)})` : c.reason === 'unknown-version' ? ` (version ${c.stored})` : '';
  return `corrupt record ${c.key}: ${c.reason}${detail}, ${c.bytes} bytes; treated as absent`;
}

/**
 * Simulation only: sees every raw record read and whether it was handed up, so a checker can assert
 * that no value a disk fault left is ever used.
 */
export type StorageAudit = (key: string, raw: Uint8Array, served: boolean) => void;

export interface ChecksummedStorageOptions {
  /** Planted bug `storage-skip-checksum`: records are handed up unchecked (never on in production). */
  readonly bugs?: BugSwitches;
  /** Called for each record that fails its check (the node counts and logs it). */
  readonly onCorrupt?: (c: CorruptRecord) => void;
  /** Called when a key whose record failed its check is written again (refetched and stored). */
  readonly onRepaired?: (key: string) => void;
  readonly audit?: StorageAudit;
}

const enc = new TextEncoder();
const SEPARATOR = new Uint8Array([0]);
const VERSION = new Uint8Array([RECORD_VERSION]);

function checksum(key: string, value: Uint8Array): number {
  return crc32c(value, crc32c(SEPARATOR, crc32c(enc.encode(key), crc32c(VERSION))));
}

/** The stored form of a value under a key. */
export function sealRecord(key: string, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + value.length);
  out[0] = RECORD_VERSION;
  // Big-endian by hand: a DataView over a short record's `.buffer` would move its bytes out of the
  // array object first (V8 keeps arrays of up to 64 bytes inside it).
  const c = checksum(key, value);
  out[1] = c >>> 24;
  out[2] = (c >>> 16) & 0xff;
  out[3] = (c >>> 8) & 0xff;
  out[4] = c & 0xff;
  out.set(value, RECORD_HEADER_BYTES);
  return out;
}

/** The value a stored record holds, or why it cannot be trusted. */
export function openRecord(key: string, raw: Uint8Array): { readonly value: Uint8Array } | { readonly corrupt: CorruptRecord } {
  if (raw.length < RECORD_HEADER_BYTES) return { corrupt: { key, reason: 'too-short', bytes: raw.length } };
  if (raw[0] !== RECORD_VERSION) return { corrupt: { key, reason: 'unknown-version', bytes: raw.length, stored: raw[0] as number } };
  const value = raw.subarray(RECORD_HEADER_BYTES);
  const stored = (((raw[1] as number) << 24) | ((raw[2] as number) << 16) | ((raw[3] as number) << 8) | (raw[4] as number)) >>> 0;
  const computed = checksum(key, value);
  if (stored !== computed) return { corrupt: { key, reason: 'checksum-mismatch', bytes: raw.length, stored, computed } };
  return { value };
}

export function checksummedStorage(inner: StorageIO, o: ChecksummedStorageOptions = {}): StorageIO {
  const skip = o.bugs?.has('storage-skip-checksum') === true;
  /** Keys found corrupt by this instance and not yet written again. */
  const broken = new Set<string>();
  const open = (key: string, raw: Uint8Array): Uint8Array | undefined => {
    const r = skip && raw.length >= RECORD_HEADER_BYTES ? { value: raw.subarray(RECORD_HEADER_BYTES) } : openRecord(key, raw);
    o.audit?.(key, raw, 'value' in r);
    if ('value' in r) return r.value;
    broken.add(key);
    o.onCorrupt?.(r.corrupt);
    return undefined;
  };
  return {
    get: async (key) => {
      const raw = await inner.get(key);
      return raw === undefined ? undefined : open(key, raw);
    },
    scan: async (prefix) => {
      const out: Array<readonly [string, Uint8Array]> = [];
      for (const [key, raw] of await inner.scan(prefix)) {
        const value = open(key, raw);
        if (value !== undefined) out.push([key, value]);
      }
      return out;
    },
    write: (ops, options) => {
      const done = inner.write(ops.map((op): BatchOp => (op.type === 'put' ? { type: 'put', key: op.key, value: sealRecord(op.key, op.value) } : op)), options);
      // Only a node that found corrupt records waits on the write to report their repair.
      if (broken.size === 0) return done;
      return done.then(() => {
        for (const op of ops) if (broken.delete(op.key) && op.type === 'put') o.onRepaired?.(op.key);
      });
    },
    sync: () => inner.sync(),
  };
}

function hex32(n: number | undefined): string {
  return n === undefined ? '?' : `0x${n.toString(16).padStart(8, '0')}`;
}
