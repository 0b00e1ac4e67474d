// The signature step of the block pipeline: the proposer's signature, and the approvals' aggregate
// when the block carries approvals (or must). The work runs on the validation pool (ValidationActor,
// worker threads in production), which the caller passes in as a function.
import { BlockError, type BlockErrorCode } from '../../consensus/block-error.ts';
import type { ParentInfo } from '../../consensus/validate-block.ts';
import type { SignedConsensusBlock } from '../../types/chain.ts';

export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly code: BlockErrorCode; readonly detail: string };

/** The validation pool: checks the block against its parent and verifies its signature sets. */
export type VerifyBlockSignatures = (signed: SignedConsensusBlock, parent: ParentInfo, requireApprovals: boolean) => Promise<SignatureVerdict>;

/** Throws BAD_SIGNATURE or BAD_APPROVALS (or whatever the pool found) with the pool's detail. */
export async function verifySignatures(verify: VerifyBlockSignatures, signed: SignedConsensusBlock, parent: ParentInfo, requireApprovals: boolean): Promise<void> {
  const v = await verify(signed, parent, requireApprovals);
  if (!v.ok) throw new BlockError(v.code, v.detail);
}
