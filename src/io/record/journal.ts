// The recording of a production node's IO boundary: one entry per crossing, in the order the node's
// scheduler saw them. Inputs (what the world told the node) carry `n`, the number of scheduler events
// executed when they arrived, and `t`, the scheduler time they were enqueued at: a replay runs the node
// to exactly that point before it delivers them, so it sees the same world in the same order.
// Outputs (what the node told the world) are compared, not delivered.
import { sha256 } from '../../crypto/sha256.ts';
import { type Encoded, encodeValue } from './value-codec.ts';

export const JOURNAL_VERSION = 1;

export type JournalEntry =
  /** The first entry: what the node was started with (secrets redacted). */
  | { readonly k: 'head'; readonly version: number; readonly node: Encoded }
  /** The driver moved the scheduler's time to the wall clock between events. */
  | { readonly k: 'adv'; readonly n: number; readonly t: number }
  /** A timer was set; its base was the wall clock then (null: time did not move). */
  | { readonly k: 'tmr'; readonly n: number; readonly t: number | null }
  /** Output: the node called the world (answer to come as `ret`). */
  | { readonly k: 'call'; readonly n: number; readonly id: number; readonly name: string; readonly args: Encoded }
  /** Input: the answer to call `id`. */
  | { readonly k: 'ret'; readonly n: number; readonly t: number; readonly id: number; readonly ok: boolean; readonly v: Encoded }
  /** Output: the node told the world something, with no answer (bytes sent, a write hint). */
  | { readonly k: 'tell'; readonly n: number; readonly name: string; readonly args: Encoded }
  /** Input: a synchronous read of the world's state. */
  | { readonly k: 'read'; readonly n: number; readonly name: string; readonly v: Encoded }
  /** Input: the world pushed something to the node (bytes from a peer, an RPC request). */
  | { readonly k: 'in'; readonly n: number; readonly t: number; readonly id: number; readonly name: string; readonly args: Encoded }
  /** Output: the node's answer to input `id`. */
  | { readonly k: 'res'; readonly n: number; readonly id: number; readonly ok: boolean; readonly v: Encoded }
  /** The node stopped cleanly; a recording without it ends where the node was killed. */
  | { readonly k: 'end'; readonly n: number };

/** Outputs larger than this are kept as a digest: equality is what a replay checks. */
const INLINE_LIMIT = 2_048;

/** An output value as the journal keeps it: whole when small, else its size, digest and a prefix. */
export function outputForm(v: unknown): Encoded {
  const e = encodeValue(v);
  const text = JSON.stringify(e);
  if (text.length <= INLINE_LIMIT) return e;
  return { $: 'd', size: text.length, sha256: Buffer.from(sha256(new TextEncoder().encode(text))).toString('hex'), head: text.slice(0, 160) };
}

export class JournalFormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: ${reason} at byte ${offset}`);
    this.name = 'JournalFormatError';
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const has = (o: Record<string, unknown>, k: string): boolean => Object.hasOwn(o, k);

/** One line of a journal file; throws a one-line JournalFormatError naming the file and offset. */
export function parseEntry(line: string, file: string, offset: number): JournalEntry {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new JournalFormatError(file, offset, 'not a JSON entry (corrupt or truncated)');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new JournalFormatError(file, offset, 'not a journal entry');
  const e = o as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new JournalFormatError(file, offset, `a '${String(e.k)}' entry ${what}`);
  };
  switch (e.k) {
    case 'head':
      if (e.version !== JOURNAL_VERSION) bad(`has version ${String(e.version)}, this alys reads ${JOURNAL_VERSION}`);
      if (!has(e, 'node')) bad('has no node');
      break;
    case 'adv':
      if (!isInt(e.n) || !isTime(e.t)) bad('needs n and t');
      break;
    case 'tmr':
      if (!isInt(e.n) || !(e.t === null || isTime(e.t))) bad('needs n and t');
      break;
    case 'call':
    case 'in':
      if (!isInt(e.n) || !isInt(e.id) || typeof e.name !== 'string' || !has(e, 'args')) bad('needs n, id, name and args');
      if (e.k === 'in' && !isTime(e.t)) bad('needs t');
      break;
    case 'ret':
      if (!isInt(e.n) || !isTime(e.t) || !isInt(e.id) || typeof e.ok !== 'boolean' || !has(e, 'v')) bad('needs n, t, id, ok and v');
      break;
    case 'res':
      if (!isInt(e.n) || !isInt(e.id) || typeof e.ok !== 'boolean' || !has(e, 'v')) bad('needs n, id, ok and v');
      break;
    case 'tell':
      if (!isInt(e.n) || typeof e.name !== 'string' || !has(e, 'args')) bad('needs n, name and args');
      break;
    case 'read':
      if (!isInt(e.n) || typeof e.name !== 'string' || !has(e, 'v')) bad('needs n, name and v');
      break;
    case 'end':
      if (!isInt(e.n)) bad('needs n');
      break;
    default:
      throw new JournalFormatError(file, offset, `unknown entry kind ${JSON.stringify(e.k)}`);
  }
  return e as unknown as JournalEntry;
}
