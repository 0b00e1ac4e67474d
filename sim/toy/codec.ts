// Toy wire format: JSON, validated by a schema on the way in. Untrusted bytes come back as a typed
// error, never as an exception, so a Byzantine peer cannot crash an honest node with garbage.
import type { RaftMessage } from './raft.ts';

// Hand-written checks rather than a schema library: every simulated message goes through here, and
// this is the hottest path of a toy simulation.
const isNat = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isEntry = (e: unknown): boolean => {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return isNat(r.term) && typeof r.id === 'string' && r.id.length <= 64 && typeof r.value === 'number' && Number.isSafeInteger(r.value);
};

function shapeError(m: Record<string, unknown>): string | undefined {
  switch (m.t) {
    case 'vote-req':
      return isNat(m.term) && isNat(m.lastIndex) && isNat(m.lastTerm) ? undefined : 'vote-req fields';
    case 'vote':
      return isNat(m.term) && typeof m.granted === 'boolean' ? undefined : 'vote fields';
    case 'append':
      return isNat(m.term) && isNat(m.prevIndex) && isNat(m.prevTerm) && isNat(m.commit) && Array.isArray(m.entries) && m.entries.length <= 256 && m.entries.every(isEntry)
        ? undefined
        : 'append fields';
    case 'append-resp':
      return isNat(m.term) && typeof m.success === 'boolean' && isNat(m.match) ? undefined : 'append-resp fields';
    default:
      return `unknown message tag ${JSON.stringify(m.t)?.slice(0, 32)}`;
  }
}

export type DecodeResult = { readonly ok: true; readonly msg: RaftMessage } | { readonly ok: false; readonly error: ToyDecodeError };

export interface ToyDecodeError {
  readonly code: 'TOO_LARGE' | 'NOT_UTF8_JSON' | 'BAD_SHAPE';
  readonly detail: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const maxBytes = 64 * 1024;

export function encode(msg: RaftMessage): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

export function decode(bytes: Uint8Array): DecodeResult {
  if (bytes.length > maxBytes) return { ok: false, error: { code: 'TOO_LARGE', detail: `${bytes.length} bytes` } };
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    return { ok: false, error: { code: 'NOT_UTF8_JSON', detail: (err as Error).message } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: { code: 'BAD_SHAPE', detail: 'not an object' } };
  }
  const problem = shapeError(json as Record<string, unknown>);
  if (problem !== undefined) return { ok: false, error: { code: 'BAD_SHAPE', detail: problem } };
  return { ok: true, msg: json as RaftMessage };
}
