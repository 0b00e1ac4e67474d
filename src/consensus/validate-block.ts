// The checks every imported block passes, as one pure function: time, parent, height, slot order,
// the proposer of the slot (the Rust Alys left this check commented out; we do not), the proposer's
// signature, and the approvals. Returns the block hash, or a BlockError saying what is wrong.
import { blockHash } from '../codec/block-codec.ts';
import type { SignatureScheme } from '../crypto/signature-scheme.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { toHex } from '../types/hex.ts';
import { approvalMessage, approvalThreshold, proposalMessage, signerIndices } from './approvals.ts';
import { proposerIndexFor, slotAt } from './aura.ts';
import { BlockError, BlockErrorCode } from './block-error.ts';
import type { ChainSpec } from './chain-spec.ts';

export interface ParentInfo {
  readonly height: number;
  readonly slot: number;
}

export interface ValidationContext {
  readonly spec: ChainSpec;
  readonly nowMs: number;
  readonly scheme: SignatureScheme;
  readonly parent: (hash: Uint8Array) => ParentInfo | undefined;
  /** false: check only the proposer signature (a block may be imported before its approvals). */
  readonly requireApprovals: boolean;
  /** Planted bug: accept any authority as proposer (the check the Rust Alys left commented out). */
  readonly skipProposerCheck?: boolean;
}

export type Validated = { readonly ok: true; readonly hash: Uint8Array } | { readonly ok: false; readonly error: BlockError };

const fail = (code: BlockErrorCode, detail: string): Validated => ({ ok: false, error: new BlockError(code, detail) });

export function validateBlock(signed: SignedConsensusBlock, ctx: ValidationContext): Validated {
  const b = signed.message;
  const n = ctx.spec.authorities.length;
  const hash = blockHash(b);
  const currentSlot = slotAt(ctx.nowMs + ctx.spec.futureToleranceMs, ctx.spec);
  if (b.slot > currentSlot) return fail(BlockErrorCode.FUTURE_SLOT, `slot ${b.slot} is after ${currentSlot}`);
  const parent = ctx.parent(b.parentHash);
  if (parent === undefined) return fail(BlockErrorCode.UNKNOWN_PARENT, `parent ${toHex(b.parentHash).slice(0, 16)}`);
  if (b.height !== parent.height + 1) return fail(BlockErrorCode.WRONG_HEIGHT, `height ${b.height} on a parent at ${parent.height}`);
  if (b.slot <= parent.slot) return fail(BlockErrorCode.SLOT_NOT_INCREASING, `slot ${b.slot} after parent slot ${parent.slot}`);
  const expected = ctx.skipProposerCheck === true && signed.proposerIndex < n ? signed.proposerIndex : proposerIndexFor(b.slot, n);
  if (signed.proposerIndex !== expected) {
    return fail(BlockErrorCode.WRONG_PROPOSER, `slot ${b.slot} belongs to authority ${expected}, not ${signed.proposerIndex}`);
  }
  const proposerKey = ctx.spec.authorities[expected] as Uint8Array;
  if (!ctx.scheme.verify(proposerKey, proposalMessage(hash), signed.signature)) {
    return fail(BlockErrorCode.BAD_SIGNATURE, `proposer ${expected}'s signature does not verify`);
  }
  if (ctx.requireApprovals) {
    const r = checkApprovals(signed, hash, ctx.spec, ctx.scheme);
    if (!r.ok) return r;
  }
  return { ok: true, hash };
}

/** The approvals carry at least the threshold of distinct authorities and their aggregate verifies. */
export function checkApprovals(signed: SignedConsensusBlock, hash: Uint8Array, spec: ChainSpec, scheme: SignatureScheme): Validated {
  const n = spec.authorities.length;
  const bits = signed.approvals.signers;
  if (bits.bitLen !== n) return fail(BlockErrorCode.BAD_APPROVALS, `bitfield of ${bits.bitLen} bits for ${n} authorities`);
  const signers = signerIndices(bits);
  const need = approvalThreshold(n);
  if (signers.length < need) return fail(BlockErrorCode.BAD_APPROVALS, `${signers.length} approvals, ${need} needed`);
  const keys = signers.map((i) => spec.authorities[i] as Uint8Array);
  if (!scheme.verifyAggregate(keys, approvalMessage(hash), signed.approvals.signature)) {
    return fail(BlockErrorCode.BAD_APPROVALS, 'aggregate approval signature does not verify');
  }
  return { ok: true, hash };
}
