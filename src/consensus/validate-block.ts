// The checks every imported block passes, as one pure function: time, parent, height, slot order,
// the payload's linkage to the parent's payload, the proposer of the slot (the Rust Alys left this
// check commented out; we do not), the proposer's signature, and the approvals. Returns the block
// hash, or a BlockError saying what is wrong.
import { blockHash } from '../codec/block-codec.ts';
import type { SignatureScheme } from '../crypto/signature-scheme.ts';
import type { ExecutionPayload, SignedConsensusBlock } from '../types/chain.ts';
import { equalBytes, toHex } from '../types/hex.ts';
import { approvalMessage, approvalThreshold, proposalMessage, signerIndices } from './approvals.ts';
import { payloadTimestampFor, proposerIndexFor, slotAt } from './aura.ts';
import { BlockError, BlockErrorCode, type BlockErrorData } from './block-error.ts';
import type { ChainSpec } from './chain-spec.ts';
import { type LabelledSet, verifySetSync } from './signature-sets.ts';

/** What a child's payload must extend: the parent block's execution payload. */
export type PayloadLink = Pick<ExecutionPayload, 'blockHash' | 'blockNumber' | 'timestamp'>;

export interface ParentInfo {
  readonly height: number;
  readonly slot: number;
  /**
   * The parent's payload. Absent only where the parent is not at hand (the first block of a sync
   * batch): the chain checks the linkage again when it imports the block, against its own parent.
   */
  readonly payload?: PayloadLink;
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
  /** Planted bug: accept a payload that does not extend the parent's payload. */
  readonly skipPayloadLinkage?: boolean;
}

export type Validated = { readonly ok: true; readonly hash: Uint8Array } | { readonly ok: false; readonly error: BlockError };

const fail = <C extends BlockErrorCode>(code: C, detail: string, data?: BlockErrorData<C>): { readonly ok: false; readonly error: BlockError } => ({
  ok: false,
  error: new BlockError(code, detail, data),
});

export function validateBlock(signed: SignedConsensusBlock, ctx: ValidationContext): Validated {
  const checked = checkBlockStructure(signed, ctx);
  if (!checked.ok) return checked;
  for (const l of checked.sets) if (!verifySetSync(ctx.scheme, l.set)) return fail(l.code, l.detail);
  return { ok: true, hash: checked.hash };
}

export type Structured =
  | { readonly ok: true; readonly hash: Uint8Array; readonly sets: readonly LabelledSet[] }
  | { readonly ok: false; readonly error: BlockError };

/**
 * Every check but the signatures, and the signature sets still to verify: the proposer's, then the
 * approvals' aggregate when required. Cheap; the sets are the expensive part.
 */
export function checkBlockStructure(signed: SignedConsensusBlock, ctx: Omit<ValidationContext, 'scheme'>): Structured {
  const b = signed.message;
  const n = ctx.spec.authorities.length;
  const hash = blockHash(b);
  const currentSlot = slotAt(ctx.nowMs + ctx.spec.futureToleranceMs, ctx.spec);
  if (b.slot > currentSlot) return fail(BlockErrorCode.FUTURE_SLOT, `slot ${b.slot} is after ${currentSlot}`, { currentSlot, slot: b.slot });
  const parent = ctx.parent(b.parentHash);
  if (parent === undefined) return fail(BlockErrorCode.UNKNOWN_PARENT, `parent ${toHex(b.parentHash).slice(0, 16)}`);
  if (b.height !== parent.height + 1) return fail(BlockErrorCode.WRONG_HEIGHT, `height ${b.height} on a parent at ${parent.height}`, { expected: parent.height + 1, actual: b.height });
  if (b.slot <= parent.slot) return fail(BlockErrorCode.SLOT_NOT_INCREASING, `slot ${b.slot} after parent slot ${parent.slot}`, { parentSlot: parent.slot, slot: b.slot });
  if (parent.payload !== undefined && ctx.skipPayloadLinkage !== true) {
    const linkage = checkPayloadLinkage(b, parent.payload, ctx.spec);
    if (linkage !== undefined) return { ok: false, error: linkage };
  }
  const expected = ctx.skipProposerCheck === true && signed.proposerIndex < n ? signed.proposerIndex : proposerIndexFor(b.slot, n);
  if (signed.proposerIndex !== expected) {
    return fail(BlockErrorCode.WRONG_PROPOSER, `slot ${b.slot} belongs to authority ${expected}, not ${signed.proposerIndex}`, { slot: b.slot, expected, actual: signed.proposerIndex });
  }
  const sets: LabelledSet[] = [
    {
      set: { kind: 'single', publicKey: ctx.spec.authorities[expected] as Uint8Array, message: proposalMessage(hash), signature: signed.signature },
      code: BlockErrorCode.BAD_SIGNATURE,
      detail: `proposer ${expected}'s signature does not verify`,
    },
  ];
  if (ctx.requireApprovals) {
    const a = approvalSet(signed, hash, ctx.spec);
    if (!a.ok) return a;
    sets.push(a.set);
  }
  return { ok: true, hash, sets };
}

/**
 * The block's execution payload extends its parent's: it names the parent's payload as its parent,
 * is numbered one above it, and is stamped with the block's slot time, after the parent's. Without
 * this, an authority in its own slot could fork the execution chain under a valid consensus chain.
 */
export function checkPayloadLinkage(b: SignedConsensusBlock['message'], parent: PayloadLink, spec: Pick<ChainSpec, 'genesisTimeMs' | 'slotDurationMs'>): BlockError | undefined {
  const p = b.executionPayload;
  if (!equalBytes(p.parentHash, parent.blockHash)) {
    const data = { parentPayloadHash: toHex(parent.blockHash), payloadParentHash: toHex(p.parentHash) };
    return new BlockError(BlockErrorCode.PAYLOAD_PARENT_MISMATCH, `payload builds on ${data.payloadParentHash.slice(0, 16)}, the parent's payload is ${data.parentPayloadHash.slice(0, 16)}`, data);
  }
  if (p.blockNumber !== parent.blockNumber + 1) {
    return new BlockError(BlockErrorCode.PAYLOAD_NUMBER_MISMATCH, `payload number ${p.blockNumber} on a parent payload numbered ${parent.blockNumber}`, {
      expected: parent.blockNumber + 1,
      actual: p.blockNumber,
    });
  }
  const slotTime = payloadTimestampFor(b.slot, spec);
  if (p.timestamp !== slotTime) {
    return new BlockError(BlockErrorCode.PAYLOAD_TIMESTAMP_NOT_SLOT, `payload timestamp ${p.timestamp}, slot ${b.slot} starts at ${slotTime}`, { slot: b.slot, expected: slotTime, actual: p.timestamp });
  }
  if (p.timestamp <= parent.timestamp) {
    return new BlockError(BlockErrorCode.PAYLOAD_TIMESTAMP_NOT_INCREASING, `payload timestamp ${p.timestamp} is not after the parent's ${parent.timestamp}`, {
      parentTimestamp: parent.timestamp,
      timestamp: p.timestamp,
    });
  }
  return undefined;
}

function approvalSet(signed: SignedConsensusBlock, hash: Uint8Array, spec: ChainSpec): { ok: true; set: LabelledSet } | { ok: false; error: BlockError } {
  const n = spec.authorities.length;
  const bits = signed.approvals.signers;
  if (bits.bitLen !== n) return fail(BlockErrorCode.BAD_APPROVALS, `bitfield of ${bits.bitLen} bits for ${n} authorities`);
  const signers = signerIndices(bits);
  const need = approvalThreshold(n);
  if (signers.length < need) return fail(BlockErrorCode.BAD_APPROVALS, `${signers.length} approvals, ${need} needed`);
  const publicKeys = signers.map((i) => spec.authorities[i] as Uint8Array);
  return {
    ok: true,
    set: {
      set: { kind: 'aggregate', publicKeys, message: approvalMessage(hash), signature: signed.approvals.signature },
      code: BlockErrorCode.BAD_APPROVALS,
      detail: 'aggregate approval signature does not verify',
    },
  };
}

/** The approvals carry at least the threshold of distinct authorities and their aggregate verifies. */
export function checkApprovals(signed: SignedConsensusBlock, hash: Uint8Array, spec: ChainSpec, scheme: SignatureScheme): Validated {
  const a = approvalSet(signed, hash, spec);
  if (!a.ok) return a;
  return verifySetSync(scheme, a.set.set) ? { ok: true, hash } : fail(a.set.code, a.set.detail);
}
