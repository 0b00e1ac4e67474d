// Values that cross the IO boundary, as JSON: what a recording stores and a replay hands back. Bytes,
// bigints, undefined, Maps and errors survive the round trip; an error comes back as an Error with
// the same name, message and own fields (a BitcoinRpcError's `rejected`), which is all the node reads.
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

const TAG = '$';

export function encodeValue(v: unknown): Encoded {
  return encode(v, new WeakSet());
}

function encode(v: unknown, seen: WeakSet<object>): Encoded {
  if (v === null) return null;
  switch (typeof v) {
    case 'undefined':
      return { [TAG]: 'u' };
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : { [TAG]: 'n', v: String(v) };
    case 'bigint':
      return { [TAG]: 'b', v: v.toString() };
    case 'object':
      break;
    default:
      return { [TAG]: 'x', v: typeof v };
  }
  if (v instanceof Uint8Array) return { [TAG]: 'h', v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  // A value met again inside itself (a client library's error can be circular) is not expanded twice.
  if (seen.has(v)) return { [TAG]: 'c' };
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => encode(x, seen));
    if (v instanceof Map) return { [TAG]: 'm', v: [...v].map(([k, x]) => [encode(k, seen), encode(x, seen)]) };
    if (v instanceof Error) {
      // What the node reads of an IO error: its name, message and plain fields (a `rejected` flag, a
      // code); a client library's richer innards (sockets, metadata) are not the node's input.
      const fields: Record<string, Encoded> = {};
      for (const [k, x] of Object.entries(v)) if (x === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof x)) fields[k] = encode(x, seen);
      return { [TAG]: 'e', name: v.name, message: v.message, fields };
    }
    const out: Record<string, Encoded> = {};
    for (const [k, x] of Object.entries(v)) out[k === TAG ? `${TAG}${TAG}` : k] = encode(x, seen);
    return out;
  } finally {
    seen.delete(v);
  }
}

export class ValueDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueDecodeError';
  }
}

export function decodeValue(e: Encoded): unknown {
  if (e === null || typeof e !== 'object') return e;
  if (Array.isArray(e)) return e.map(decodeValue);
  const tag = e[TAG];
  if (tag === undefined) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(e)) out[k === `${TAG}${TAG}` ? TAG : k] = decodeValue(x);
    return out;
  }
  switch (tag) {
    case 'u':
      return undefined;
    case 'n':
      return Number(e.v);
    case 'b':
      if (typeof e.v !== 'string' || !/^-?\d+$/.test(e.v)) throw new ValueDecodeError(`bad bigint ${JSON.stringify(e.v)}`);
      return BigInt(e.v);
    case 'h':
      if (typeof e.v !== 'string' || !/^([0-9a-f]{2})*$/.test(e.v)) throw new ValueDecodeError('bad bytes');
      return new Uint8Array(Buffer.from(e.v, 'hex'));
    case 'm':
      if (!Array.isArray(e.v)) throw new ValueDecodeError('bad map');
      return new Map(e.v.map((pair) => (Array.isArray(pair) && pair.length === 2 ? [decodeValue(pair[0] as Encoded), decodeValue(pair[1] as Encoded)] : (() => { throw new ValueDecodeError('bad map entry'); })())));
    case 'e': {
      const err = new Error(typeof e.message === 'string' ? e.message : '');
      err.name = typeof e.name === 'string' ? e.name : 'Error';
      const fields = e.fields;
      if (fields !== null && typeof fields === 'object' && !Array.isArray(fields)) for (const [k, x] of Object.entries(fields)) (err as unknown as Record<string, unknown>)[k] = decodeValue(x);
      return err;
    }
    case 'x':
    case 'c':
      return undefined;
    default:
      throw new ValueDecodeError(`unknown value tag ${JSON.stringify(tag)}`);
  }
}
