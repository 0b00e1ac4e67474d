// The peg-in step of the block pipeline: a block mints only confirmed deposits, each once on its
// branch, and its withdrawals are exactly its peg-ins (src/bridge/peg-in-rules.ts); whether the
// deposits are confirmed is asked of the node's view of Bitcoin (the PegInActor).
import type { Deposit } from '../../bridge/deposit.ts';
import { checkBlockPegIns, pegInToDeposit } from '../../bridge/peg-in-rules.ts';
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { ConsensusBlock } from '../../types/chain.ts';
import type { ChainStore } from './chain-store.ts';

export type DepositVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface PegInChecks {
  /** Deposits (txid:vout) minted on the branch ending at `hash`. */
  mintedOn(store: ChainStore, hash: Uint8Array): ReadonlySet<string>;
  /** The node's view of Bitcoin; absent when this node does not follow it. Throws when it cannot tell yet. */
  readonly verify?: (deposits: readonly Deposit[]) => Promise<DepositVerdict>;
}

/** Throws INVALID_PEG_IN when the block mints what it may not, PEG_INS_UNCONFIRMED when we cannot tell yet. */
export async function verifyPegIns(store: ChainStore, b: ConsensusBlock, checks: PegInChecks): Promise<void> {
  if (b.pegIns.length === 0 && b.executionPayload.withdrawals.length === 0) return;
  const invalid = (reason: string): BlockError => new BlockError(BlockErrorCode.INVALID_PEG_IN, reason, { pegIns: b.pegIns.length, reason });
  const structural = checkBlockPegIns(b, checks.mintedOn(store, b.parentHash));
  if (structural !== undefined) throw invalid(structural);
  if (checks.verify === undefined) throw invalid('this node does not follow Bitcoin: it cannot check peg-ins');
  let v: DepositVerdict;
  try {
    v = await checks.verify(b.pegIns.map(pegInToDeposit));
  } catch {
    throw new BlockError(BlockErrorCode.PEG_INS_UNCONFIRMED, 'peg-ins not yet confirmed here', { pegIns: b.pegIns.length });
  }
  if (!v.ok) throw invalid(v.reason);
}
