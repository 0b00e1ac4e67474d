// Signing and verification behind one interface with two implementations: real BLS12-381
// (production, and the simulation's fidelity mode) and a fast deterministic stand-in for simulation
// swarms, where ~1 ms per real verification would cap the speed of the whole world.
export interface KeyPair {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface SignatureScheme {
  readonly name: 'bls' | 'sim';
  /** Deterministic key from a 32-byte seed (tests, devnets, simulated authorities). */
  keyFromSeed(seed: Uint8Array): KeyPair;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  aggregate(signatures: readonly Uint8Array[]): Uint8Array;
  /** All signers signed the same message (approvals of one block). */
  verifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, signature: Uint8Array): boolean;
}

export const SIGNATURE_BYTES = 96;
