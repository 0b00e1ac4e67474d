// Hex for logs, JSON-RPC and map keys. Block hashes, gossip ids and outpoints are turned to hex on
// every message: encoding is Node's native hex (one flat string; appending two characters a byte
// built a rope of 32 pieces per hash, which every map lookup then flattened), decoding a table.
import { Buffer } from 'node:buffer';

const nibble = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  nibble[i.toString(16).charCodeAt(0)] = i;
  nibble[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

// V8 keeps a typed array of up to 64 bytes (a digest, a key) inside its object: reading its
// `.buffer` moves the bytes out to a new backing store, 1.1-1.4 µs for a 32-byte hash and one more
// external buffer for the garbage collector. Such a short array is copied into one scratch buffer
// instead (0.2-0.4 µs, and nothing allocated but the string).
const IN_HEAP_BYTES = 64;
const scratch = Buffer.alloc(IN_HEAP_BYTES);

export function toHex(bytes: Uint8Array): string {
  if (bytes.byteLength <= IN_HEAP_BYTES) {
    scratch.set(bytes);
    return scratch.toString('hex', 0, bytes.byteLength);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  const start = hex.startsWith('0x') ? 2 : 0;
  const n = hex.length - start;
  const fail = (): never => {
    throw new TypeError(`not hex: ${hex.slice(0, 20)}`);
  };
  if (n % 2 !== 0) fail();
  const out = new Uint8Array(n / 2);
  for (let i = 0; i < out.length; i++) {
    const a = hex.charCodeAt(start + 2 * i);
    const b = hex.charCodeAt(start + 2 * i + 1);
    const hi = a < 128 ? (nibble[a] as number) : -1;
    const lo = b < 128 ? (nibble[b] as number) : -1;
    if (hi < 0 || lo < 0) fail();
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order (fork choice breaks ties by the lowest hash). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
