// After the signatures: a second block signed by the same proposer for the same slot is evidence
// against that proposer. Without a quorum's approvals it goes no further (it is neither executed nor
// approved); with them, a quorum already chose it and it is imported like any other.
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { SignedConsensusBlock } from '../../types/chain.ts';

/** Records the proposal; true when the same proposer signed another block for the slot. */
export type ObserveProposal = (signed: SignedConsensusBlock, hash: Uint8Array) => boolean;

export function checkEquivocation(observe: ObserveProposal, signed: SignedConsensusBlock, hash: Uint8Array, approved: boolean, allowUnapproved = false): void {
  if (!observe(signed, hash) || approved || allowUnapproved) return;
  const { proposerIndex } = signed;
  const slot = signed.message.slot;
  throw new BlockError(BlockErrorCode.EQUIVOCATION, `authority ${proposerIndex} signed two blocks for slot ${slot}`, { proposerIndex, slot });
}
