// Toy wire format: a tag byte and fixed-width fields (numbers as float64, entry ids as short UTF-8
// strings). Binary rather than JSON because every simulated message goes through here and this is
// the hottest path of a toy simulation. Untrusted bytes come back as a typed error, never as an
// exception, so a Byzantine peer cannot crash an honest node with garbage.
import type { Entry, RaftMessage } from './raft.ts';

export type DecodeResult = { readonly ok: true; readonly msg: RaftMessage } | { readonly ok: false; readonly error: ToyDecodeError };

export interface ToyDecodeError {
  readonly code: 'TOO_LARGE' | 'TRUNCATED' | 'BAD_SHAPE';
  readonly detail: string;
}

const TAG = { 'vote-req': 1, vote: 2, append: 3, 'append-resp': 4 } as const;
const maxBytes = 64 * 1024;
const maxEntries = 256;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function size(msg: RaftMessage, ids: Uint8Array[]): number {
  switch (msg.t) {
    case 'vote-req':
      return 1 + 24;
    case 'vote':
      return 1 + 9;
    case 'append-resp':
      return 1 + 17;
    case 'append': {
      let n = 1 + 32 + 2;
      for (const e of msg.entries) {
        const id = encoder.encode(e.id);
        ids.push(id);
        n += 16 + 1 + id.length;
      }
      return n;
    }
  }
}

export function encode(msg: RaftMessage): Uint8Array {
  const ids: Uint8Array[] = [];
  const out = new Uint8Array(size(msg, ids));
  const v = new DataView(out.buffer);
  out[0] = TAG[msg.t];
  switch (msg.t) {
    case 'vote-req':
      v.setFloat64(1, msg.term);
      v.setFloat64(9, msg.lastIndex);
      v.setFloat64(17, msg.lastTerm);
      break;
    case 'vote':
      v.setFloat64(1, msg.term);
      out[9] = msg.granted ? 1 : 0;
      break;
    case 'append-resp':
      v.setFloat64(1, msg.term);
      out[9] = msg.success ? 1 : 0;
      v.setFloat64(10, msg.match);
      break;
    case 'append': {
      v.setFloat64(1, msg.term);
      v.setFloat64(9, msg.prevIndex);
      v.setFloat64(17, msg.prevTerm);
      v.setFloat64(25, msg.commit);
      v.setUint16(33, msg.entries.length);
      let o = 35;
      for (let i = 0; i < msg.entries.length; i++) {
        const e = msg.entries[i] as Entry;
        const id = ids[i] as Uint8Array;
        v.setFloat64(o, e.term);
        v.setFloat64(o + 8, e.value);
        out[o + 16] = id.length;
        out.set(id, o + 17);
        o += 17 + id.length;
      }
      break;
    }
  }
  return out;
}

class Malformed extends Error {
  constructor(readonly code: ToyDecodeError['code'], detail: string) {
    super(detail);
  }
}

export function decode(bytes: Uint8Array): DecodeResult {
  if (bytes.length > maxBytes) return { ok: false, error: { code: 'TOO_LARGE', detail: `${bytes.length} bytes` } };
  try {
    return { ok: true, msg: read(bytes) };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, error: { code: err.code, detail: err.message } };
    return { ok: false, error: { code: 'BAD_SHAPE', detail: String(err) } };
  }
}

// Module-level helpers, not closures: a closure per decoded message is measurable garbage here.
function need(b: Uint8Array, n: number): void {
  if (b.length < n) throw new Malformed('TRUNCATED', `${b.length} bytes, need ${n}`);
}

function exact(b: Uint8Array, n: number): void {
  need(b, n);
  if (b.length !== n) throw new Malformed('BAD_SHAPE', `${b.length - n} trailing bytes`);
}

function nat(v: DataView, o: number, what: string): number {
  const x = v.getFloat64(o);
  if (!Number.isSafeInteger(x) || x < 0) throw new Malformed('BAD_SHAPE', `${what} is not a natural number`);
  return x;
}

function flag(b: Uint8Array, o: number, what: string): boolean {
  const x = b[o];
  if (x !== 0 && x !== 1) throw new Malformed('BAD_SHAPE', `${what} is not a boolean`);
  return x === 1;
}

function read(b: Uint8Array): RaftMessage {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  need(b, 1);
  switch (b[0]) {
    case TAG['vote-req']:
      exact(b, 25);
      return { t: 'vote-req', term: nat(v, 1, 'term'), lastIndex: nat(v, 9, 'lastIndex'), lastTerm: nat(v, 17, 'lastTerm') };
    case TAG.vote:
      exact(b, 10);
      return { t: 'vote', term: nat(v, 1, 'term'), granted: flag(b, 9, 'granted') };
    case TAG['append-resp']:
      exact(b, 18);
      return { t: 'append-resp', term: nat(v, 1, 'term'), success: flag(b, 9, 'success'), match: nat(v, 10, 'match') };
    case TAG.append: {
      need(b, 35);
      const count = v.getUint16(33);
      if (count > maxEntries) throw new Malformed('BAD_SHAPE', `${count} entries`);
      const entries: Entry[] = [];
      let o = 35;
      for (let i = 0; i < count; i++) {
        need(b, o + 17);
        const len = b[o + 16] as number;
        if (len > 64) throw new Malformed('BAD_SHAPE', `entry id of ${len} bytes`);
        need(b, o + 17 + len);
        const value = v.getFloat64(o + 8);
        if (!Number.isSafeInteger(value)) throw new Malformed('BAD_SHAPE', 'entry value is not an integer');
        entries.push({ term: nat(v, o, 'entry term'), value, id: decoder.decode(b.subarray(o + 17, o + 17 + len)) });
        o += 17 + len;
      }
      exact(b, o);
      return { t: 'append', term: nat(v, 1, 'term'), prevIndex: nat(v, 9, 'prevIndex'), prevTerm: nat(v, 17, 'prevTerm'), commit: nat(v, 25, 'commit'), entries };
    }
    default:
      throw new Malformed('BAD_SHAPE', `unknown message tag ${b[0]}`);
  }
}
