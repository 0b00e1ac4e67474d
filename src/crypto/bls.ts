// Real BLS12-381 through @chainsafe/blst, as Alys signs its blocks. Any malformed key or signature
// makes verification return false rather than throw: these bytes come from peers.
import { PublicKey, SecretKey, Signature, aggregateSignatures, fastAggregateVerify, verify } from '@chainsafe/blst';
import type { KeyPair, SignatureScheme } from './signature-scheme.ts';

export const blsScheme: SignatureScheme = {
  name: 'bls',
  keyFromSeed(seed: Uint8Array): KeyPair {
    const sk = SecretKey.fromKeygen(seed);
    return { publicKey: sk.toPublicKey().toBytes(), sign: (m) => sk.sign(m).toBytes() };
  },
  verify(publicKey, message, signature) {
    try {
      return verify(message, PublicKey.fromBytes(publicKey, true), Signature.fromBytes(signature, true));
    } catch {
      return false;
    }
  },
  aggregate(signatures) {
    return aggregateSignatures(signatures.map((s) => Signature.fromBytes(s, true))).toBytes();
  },
  verifyAggregate(publicKeys, message, signature) {
    if (publicKeys.length === 0) return false;
    try {
      return fastAggregateVerify(message, publicKeys.map((k) => PublicKey.fromBytes(k, true)), Signature.fromBytes(signature, true));
    } catch {
      return false;
    }
  },
};
