// A fast deterministic stand-in for BLS, for simulation swarms only. A signature is a keyed hash of
// the message under the signer's secret; the verifier recomputes it from a registry that maps each
// public key to its secret. So, exactly as with BLS: a signature by another key, over another
// message, a mutated one, or an aggregate missing a signer fails to verify, and nobody without the
// secret can produce a valid one. It is safe only because simulated adversaries are our own code and
// never read the registry; it must never be used outside the simulator.
import { sha256 } from './sha256.ts';
import { equalBytes, toHex } from '../types/hex.ts';
import { type KeyPair, SIGNATURE_BYTES, type SignatureScheme } from './signature-scheme.ts';

const secrets = new Map<string, Uint8Array>();
/**
 * The secret behind a public key object already looked up, with the key's bytes as they were then:
 * verifiers pass the same authority key objects again and again, and a hex key per verification
 * cost more than the hash. The bytes are compared on every hit, so a key altered in place is looked
 * up afresh and never inherits another key's secret.
 */
const byKeyObject = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly secret: Uint8Array }>();
const tag = new TextEncoder().encode('alys-sim-signature');

function secretOf(publicKey: Uint8Array): Uint8Array | undefined {
  const hit = byKeyObject.get(publicKey);
  if (hit !== undefined && equalBytes(hit.bytes, publicKey)) return hit.secret;
  const secret = secrets.get(toHex(publicKey));
  if (secret !== undefined) byKeyObject.set(publicKey, { bytes: publicKey.slice(), secret });
  return secret;
}

/**
 * The hashed input (tag, secret, message) is assembled in one scratch buffer: a fresh one of more than
 * 64 bytes is a separate allocation outside the JavaScript heap, one per signature and verification.
 */
let scratch = new Uint8Array(256);

function mac(secret: Uint8Array, message: Uint8Array): Uint8Array {
  const n = tag.length + secret.length + message.length;
  if (n > scratch.length) scratch = new Uint8Array(n);
  scratch.set(tag, 0);
  scratch.set(secret, tag.length);
  scratch.set(message, tag.length + secret.length);
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(sha256(scratch.subarray(0, n)), 0);
  return out;
}

function xorInto(acc: Uint8Array, s: Uint8Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) ^ (s[i] ?? 0);
}

export const simScheme: SignatureScheme = {
  name: 'sim',
  keyFromSeed(seed: Uint8Array): KeyPair {
    const fresh = sha256(seed);
    const pk = new Uint8Array(48);
    pk.set(sha256(fresh), 0);
    // One secret object per key: the aggregate check tells repeated signers apart by it.
    const hex = toHex(pk);
    const secret = secrets.get(hex) ?? fresh;
    secrets.set(hex, secret);
    return { publicKey: pk, sign: (m) => mac(secret, m) };
  },
  verify(publicKey, message, signature) {
    const secret = secretOf(publicKey);
    if (secret === undefined || signature.length !== SIGNATURE_BYTES) return false;
    const want = mac(secret, message);
    for (let i = 0; i < SIGNATURE_BYTES; i++) if (want[i] !== signature[i]) return false;
    return true;
  },
  aggregate(signatures) {
    // XOR is order-independent, like BLS aggregation; distinct signers' MACs do not cancel.
    const acc = new Uint8Array(SIGNATURE_BYTES);
    for (const s of signatures) xorInto(acc, s);
    return acc;
  },
  verifyAggregate(publicKeys, message, signature) {
    if (publicKeys.length === 0 || signature.length !== SIGNATURE_BYTES) return false;
    const acc = new Uint8Array(SIGNATURE_BYTES);
    // A key named twice would cancel its own MAC out of the XOR: refused, as a repeated signer is.
    const seen = new Set<Uint8Array>();
    for (const pk of publicKeys) {
      const secret = secretOf(pk);
      if (secret === undefined || seen.has(secret)) return false;
      seen.add(secret);
      xorInto(acc, mac(secret, message));
    }
    for (let i = 0; i < SIGNATURE_BYTES; i++) if (acc[i] !== signature[i]) return false;
    return true;
  },
};
