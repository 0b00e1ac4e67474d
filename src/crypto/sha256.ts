// SHA-256 of short inputs through ChainSafe's WebAssembly SHA-256 (as-sha256, which SSZ already
// uses), of longer ones through Node's own OpenSSL binding (one-shot `crypto.hash`). Every node of a
// simulated world hashes each approval, each signature's message, each gossip id and each payload it
// sees, most of them under 200 bytes: there a call into OpenSSL cost 1.5 µs, nearly all of it the
// crossing, against 0.5-1.1 µs in WebAssembly; from about 220 bytes up OpenSSL is the faster. Both
// give the same digest. Hashing is deterministic, so it is allowed everywhere (only the random
// functions of node:crypto are trapped).
import { SHA256 } from '@chainsafe/as-sha256';
import { hash } from 'node:crypto';

/** Inputs shorter than this go to WebAssembly (measured crossover: about 220 bytes). */
const WASM_BELOW_BYTES = 192;
/**
 * One hasher instance, whose digest is a fresh 32-byte array: the module's one-shot `digest` copies
 * each digest into Buffer's shared pool, and making a new 8 KiB pool every 256 digests was a third
 * of the hashing in a simulation.
 */
const wasm = new SHA256();

/**
 * The digest as a plain Uint8Array over its own 32-byte buffer: a Buffer's `slice` shares memory,
 * and callers copy hashes with `slice()`.
 */
export function sha256(data: Uint8Array): Uint8Array {
  if (data.length < WASM_BELOW_BYTES) return wasm.init().update(data).final();
  const b = hash('sha256', data, 'buffer');
  return b.byteOffset === 0 && b.buffer.byteLength === 32 ? new Uint8Array(b.buffer, 0, 32) : Uint8Array.from(b);
}
