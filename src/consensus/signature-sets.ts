// The signatures a block carries, as data: what validation must verify, separated from the cheap
// structural checks so that production can hand the sets to worker threads (src/io/prod) while the
// simulation verifies them in-thread with a modelled cost. Lodestar splits its block checks the same
// way (getBlockSignatureSets), for the same reason: signature checks are the CPU-bound stage.
import type { SignatureScheme } from '../crypto/signature-scheme.ts';
import { BlockErrorCode } from './block-error.ts';

export type SignatureSet =
  | { readonly kind: 'single'; readonly publicKey: Uint8Array; readonly message: Uint8Array; readonly signature: Uint8Array }
  | { readonly kind: 'aggregate'; readonly publicKeys: readonly Uint8Array[]; readonly message: Uint8Array; readonly signature: Uint8Array };

/** A set to verify and what it means when it does not. */
export interface LabelledSet {
  readonly set: SignatureSet;
  readonly code: BlockErrorCode;
  readonly detail: string;
}

/** Verifies sets; one answer per set, in order. In-thread here, on worker threads in src/io/prod. */
export type SetVerifier = (sets: readonly SignatureSet[]) => Promise<readonly boolean[]>;

export function verifySetSync(scheme: SignatureScheme, s: SignatureSet): boolean {
  return s.kind === 'single' ? scheme.verify(s.publicKey, s.message, s.signature) : scheme.verifyAggregate(s.publicKeys, s.message, s.signature);
}

export const inThreadVerifier =
  (scheme: SignatureScheme): SetVerifier =>
  (sets) =>
    Promise.resolve(sets.map((s) => verifySetSync(scheme, s)));

export { BlockErrorCode };
