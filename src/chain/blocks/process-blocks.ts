// The one way a block joins the chain, whether it came by gossip, from a peer, from our own
// production, in a sync batch or from our own disk (after Lodestar's chain/blocks): for each block
// of the segment, in order,
//   sanity and linkage → AuxPow range and difficulty → peg-ins → signatures → equivocation →
//   execution,
// then the verified blocks are imported: persisted, then added to fork choice. Each step throws a
// BlockError; the caller's error policy (error-policy.ts) is what acts on it. The options say which
// steps the caller has already done (as Lodestar's ImportBlockOpts do): the SyncActor checks a
// batch's signatures on the pool and executes it in order before handing it over; recovery reads
// blocks that passed every step once.
import { blockHash } from '../../codec/block-codec.ts';
import { signerIndices } from '../../consensus/approvals.ts';
import { BlockError } from '../../consensus/block-error.ts';
import type { SignedConsensusBlock } from '../../types/chain.ts';
import type { ChainStore } from './chain-store.ts';
import { type ObserveProposal, checkEquivocation } from './check-equivocation.ts';
import type { BlockSource } from './error-policy.ts';
import { type ImportDeps, type VerifiedBlock, importBlocks } from './import-blocks.ts';
import { SegmentStore } from './segment-store.ts';
import { verifyPowRules } from './verify-auxpow.ts';
import { type ExecutePayload, verifyExecution } from './verify-execution.ts';
import { type PegInChecks, verifyPegIns } from './verify-peg-ins.ts';
import { verifySanity } from './verify-sanity.ts';
import { type VerifyBlockSignatures, verifySignatures } from './verify-signatures.ts';

export interface ProcessOptions {
  readonly source: BlockSource;
  /** The signatures were verified already (gossip: the gossip rules; sync: the SyncActor's pool stage; recovery: our disk). */
  readonly validSignatures?: boolean;
  /** The payloads were executed already, in order (sync), or are replayed afterwards (recovery). */
  readonly executed?: boolean;
  /** The blocks are on disk already (recovery). */
  readonly persisted?: boolean;
  /** The deposits were checked against Bitcoin when the blocks were first accepted (recovery). */
  readonly pegInsVerified?: boolean;
  /** A block without approvals stops after execution, to await them (gossip, our own). */
  readonly awaitApprovals?: boolean;
  /** Skip blocks at or below the finalized height instead of judging them (gossip). */
  readonly ignoreIfFinalized?: boolean;
  /** Go on with the next block after a refused one (recovery: stale branches on our disk). */
  readonly continueAfterRefusal?: boolean;
  /** Finality the AuxPow rule counts from, before the segment's own proofs (default: the store's). */
  readonly finalizedHeight?: number;
}

/**
 * What each source vouches for. A gossip block reached the chain through the gossip rules
 * (validateGossip), which verified its proposer's signature and any approvals it carries against the
 * same keys (as Lodestar imports a gossip block with its proposer signature marked valid): the
 * signature step would verify them again. A peer's block and our own go through every step; a sync
 * batch reaches the chain with its signatures checked on the pool and its payloads executed by the
 * SyncActor's stages; our own disk holds blocks that passed every step once.
 */
export const sourceOptions = {
  gossip: { source: 'gossip', validSignatures: true, awaitApprovals: true, ignoreIfFinalized: true },
  peer: { source: 'peer', awaitApprovals: true, ignoreIfFinalized: true },
  own: { source: 'own', awaitApprovals: true, ignoreIfFinalized: true },
  sync: { source: 'sync', validSignatures: true, executed: true },
  recovery: { source: 'recovery', validSignatures: true, executed: true, persisted: true, pegInsVerified: true, continueAfterRefusal: true },
} as const satisfies Record<BlockSource, ProcessOptions>;

/** Planted bugs the pipeline honours; production passes none. */
export interface PipelineBugs {
  readonly skipProposerCheck?: boolean;
  readonly skipPayloadLinkage?: boolean;
  /** An equivocating proposer's second block goes on as if it were the only one. */
  readonly ignoreEquivocation?: boolean;
}

export interface ProcessDeps extends ImportDeps {
  readonly store: ChainStore;
  readonly nowMs: () => number;
  readonly verifySignatures: VerifyBlockSignatures;
  readonly execute: ExecutePayload;
  readonly pegIns: PegInChecks;
  /** Records a proposal; true when its proposer signed another block for the slot. */
  readonly observeProposal?: ObserveProposal;
  readonly bugs?: PipelineBugs;
}

export interface Refused {
  readonly signed: SignedConsensusBlock;
  readonly error: BlockError;
}

export interface ProcessResult {
  /** Persisted and in fork choice, in order. */
  readonly imported: readonly VerifiedBlock[];
  /** Verified and executed, waiting for a quorum's approvals (only with `awaitApprovals`). */
  readonly awaitingApprovals: readonly VerifiedBlock[];
  /** The blocks refused, each with its error (at most one unless `continueAfterRefusal`). */
  readonly refused: readonly Refused[];
}

/**
 * Verifies every block of the segment against the chain and the blocks before it, then imports
 * those that passed. Blocks we hold already are skipped. A refusal stops the segment (unless
 * `continueAfterRefusal`); what passed before it is imported all the same.
 */
export async function processBlocks(segment: readonly SignedConsensusBlock[], o: ProcessOptions, deps: ProcessDeps): Promise<ProcessResult> {
  const store = new SegmentStore(deps.store);
  const verified: VerifiedBlock[] = [];
  const awaitingApprovals: VerifiedBlock[] = [];
  const refused: Refused[] = [];
  let finalizedHeight = o.finalizedHeight ?? deps.store.tree.finalized().height;
  for (const signed of segment) {
    const b = signed.message;
    if (o.ignoreIfFinalized === true && b.height <= deps.store.tree.finalized().height) continue;
    if (store.tree.has(blockHash(b))) continue;
    try {
      const block = await verifyBlock(store, signed, finalizedHeight, o, deps);
      const pow = store.stage(signed, block.hash);
      const v = { signed, hash: block.hash, pow };
      if (!block.approved && o.awaitApprovals === true) {
        awaitingApprovals.push(v);
        continue;
      }
      verified.push(v);
      // Finality as it will stand once this block's proof is applied: the next block counts from it.
      if (b.auxPowHeader !== null) finalizedHeight = Math.max(finalizedHeight, store.tree.get(b.auxPowHeader.rangeEnd)?.height ?? 0);
    } catch (err) {
      if (!(err instanceof BlockError)) throw err;
      refused.push({ signed, error: err });
      if (o.continueAfterRefusal !== true) break;
    }
  }
  await importBlocks(verified, deps, o.persisted === true);
  return { imported: verified, awaitingApprovals, refused };
}

/** Every step for one block; throws the first BlockError. */
async function verifyBlock(
  store: SegmentStore,
  signed: SignedConsensusBlock,
  finalizedHeight: number,
  o: ProcessOptions,
  deps: ProcessDeps,
): Promise<{ readonly hash: Uint8Array; readonly approved: boolean }> {
  const b = signed.message;
  const hash = verifySanity(store, signed, { nowMs: deps.nowMs(), skipProposerCheck: deps.bugs?.skipProposerCheck, skipPayloadLinkage: deps.bugs?.skipPayloadLinkage });
  verifyPowRules(store, b, finalizedHeight);
  if (o.pegInsVerified !== true) await verifyPegIns(store, b, deps.pegIns);
  const approved = signerIndices(signed.approvals.signers).length > 0;
  if (o.validSignatures !== true) {
    const parent = store.tree.get(b.parentHash);
    const parentBlock = store.block(b.parentHash);
    if (parent === undefined || parentBlock === undefined) throw new Error('sanity passed without a parent');
    await verifySignatures(deps.verifySignatures, signed, { height: parent.height, slot: parent.slot, payload: parentBlock.message.executionPayload }, approved);
  }
  if (deps.observeProposal !== undefined) checkEquivocation(deps.observeProposal, signed, hash, approved, deps.bugs?.ignoreEquivocation === true);
  if (o.executed !== true) await verifyExecution(deps.execute, b.executionPayload);
  return { hash, approved };
}
