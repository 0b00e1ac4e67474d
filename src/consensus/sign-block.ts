// Producing the signatures a block carries: the proposer's, and the aggregate of the approvals.
import { BitArray } from '@chainsafe/ssz';
import { blockHash } from '../codec/block-codec.ts';
import type { KeyPair, SignatureScheme } from '../crypto/signature-scheme.ts';
import { SIGNATURE_BYTES } from '../crypto/signature-scheme.ts';
import type { Approvals, ConsensusBlock, SignedConsensusBlock } from '../types/chain.ts';
import { approvalMessage, proposalMessage } from './approvals.ts';

export function signBlock(block: ConsensusBlock, proposerIndex: number, key: KeyPair, authorityCount: number): SignedConsensusBlock {
  const hash = blockHash(block);
  return {
    message: block,
    proposerIndex,
    signature: key.sign(proposalMessage(hash)),
    approvals: noApprovals(authorityCount),
  };
}

export function noApprovals(authorityCount: number): Approvals {
  return { signers: BitArray.fromBitLen(authorityCount), signature: new Uint8Array(SIGNATURE_BYTES) };
}

export function approve(hash: Uint8Array, key: KeyPair): Uint8Array {
  return key.sign(approvalMessage(hash));
}

/** Aggregates individual approvals (authority index → signature) into the block's approvals field. */
export function aggregateApprovals(authorityCount: number, approvals: ReadonlyMap<number, Uint8Array>, scheme: SignatureScheme): Approvals {
  const signers = BitArray.fromBitLen(authorityCount);
  const indices = [...approvals.keys()].sort((a, b) => a - b);
  for (const i of indices) signers.set(i, true);
  return { signers, signature: scheme.aggregate(indices.map((i) => approvals.get(i) as Uint8Array)) };
}
