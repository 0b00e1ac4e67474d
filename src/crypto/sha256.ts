// SHA-256 through Node's own OpenSSL binding (one-shot `crypto.hash`; the node requires Node 22).
// Every node of a simulated world hashes each approval, each signature's message, each gossip id
// and each payload it sees: the pure-JavaScript hasher allocated a hasher object and its views per
// call, and was slower on 32 bytes and three times slower on a kilobyte. Hashing is deterministic,
// so it is allowed everywhere (only the random functions of node:crypto are trapped).
import { hash } from 'node:crypto';

/**
 * The digest as a plain Uint8Array over its own 32-byte buffer: a Buffer's `slice` shares memory,
 * and callers copy hashes with `slice()`.
 */
export function sha256(data: Uint8Array): Uint8Array {
  const b = hash('sha256', data, 'buffer');
  return b.byteOffset === 0 && b.buffer.byteLength === 32 ? new Uint8Array(b.buffer, 0, 32) : Uint8Array.from(b);
}
