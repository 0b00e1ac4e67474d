// Encoding and decoding of blocks and approvals. Decoding untrusted bytes returns a value or a typed
// DecodeError, and never lets any other exception out: a peer cannot crash us with garbage.
import type { Type } from '@chainsafe/ssz';
import type { Approval, ConsensusBlock, SignedConsensusBlock } from '../types/chain.ts';
import { ApprovalSsz, ConsensusBlockSsz, SignedConsensusBlockSsz } from '../types/ssz.ts';

export type DecodeErrorCode = 'EMPTY' | 'TOO_LARGE' | 'MALFORMED' | 'UNKNOWN_TOPIC';

export class DecodeError extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    readonly what: string,
    readonly detail: string,
  ) {
    super(`cannot decode ${what}: ${code}: ${detail}`);
    this.name = 'DecodeError';
  }
}

export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;

/** `reuseBytes`: byte fields are views into `bytes` instead of copies (the caller owns `bytes`). */
export function decodeWith<T>(type: Type<T>, bytes: Uint8Array, what: string, maxBytes = MAX_BLOCK_BYTES, reuseBytes = false): T {
  if (bytes.length === 0) throw new DecodeError('EMPTY', what, 'no bytes');
  if (bytes.length > maxBytes) throw new DecodeError('TOO_LARGE', what, `${bytes.length} > ${maxBytes} bytes`);
  try {
    return type.deserialize(bytes, { reuseBytes });
  } catch (err) {
    throw new DecodeError('MALFORMED', what, err instanceof Error ? err.message : String(err));
  }
}

export const encodeBlock = (b: SignedConsensusBlock): Uint8Array => SignedConsensusBlockSsz.serialize(b);
/**
 * A decoded block's byte fields (each transaction among them) are views into one copy of its bytes
 * instead of a copy each. A block of 100 transfers was about 110 small allocations; a sync of 5,000
 * such blocks made and freed half a million, and the process kept the fragmented memory (measured: a
 * decode of 5,000 blocks and its release left 220 MB more resident with a copy per field, 55 MB with
 * one copy per block). Whatever keeps part of a block for long copies that part out (`hold`,
 * `acceptedRecord`), so that it does not keep the whole block's bytes alive.
 */
export const decodeBlock = (bytes: Uint8Array): SignedConsensusBlock => decodeWith(SignedConsensusBlockSsz, bytes.slice(), 'block', MAX_BLOCK_BYTES, true);
export const encodeApproval = (a: Approval): Uint8Array => ApprovalSsz.serialize(a);
export const decodeApproval = (bytes: Uint8Array): Approval => decodeWith(ApprovalSsz, bytes, 'approval', 1_024);

/** The block hash: the SSZ hash-tree root of the unsigned block. */
// A block passes through the sync pipeline's stages (linkage, validation, execution, adoption) as
// one immutable object: its root is computed once per object, not once per stage.
const roots = new WeakMap<ConsensusBlock, Uint8Array>();

export const blockHash = (b: ConsensusBlock): Uint8Array => {
  let root = roots.get(b);
  if (root === undefined) {
    root = ConsensusBlockSsz.hashTreeRoot(b);
    roots.set(b, root);
  }
  // A copy: a caller that alters the bytes it got must not alter the block's cached root.
  return root.slice();
};
