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

export function decodeWith<T>(type: Type<T>, bytes: Uint8Array, what: string, maxBytes = MAX_BLOCK_BYTES): T {
  if (bytes.length === 0) throw new DecodeError('EMPTY', what, 'no bytes');
  if (bytes.length > maxBytes) throw new DecodeError('TOO_LARGE', what, `${bytes.length} > ${maxBytes} bytes`);
  try {
    return type.deserialize(bytes);
  } catch (err) {
    throw new DecodeError('MALFORMED', what, err instanceof Error ? err.message : String(err));
  }
}

export const encodeBlock = (b: SignedConsensusBlock): Uint8Array => SignedConsensusBlockSsz.serialize(b);
export const decodeBlock = (bytes: Uint8Array): SignedConsensusBlock => decodeWith(SignedConsensusBlockSsz, bytes, 'block');
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
