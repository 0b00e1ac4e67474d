// The step of the block pipeline that needs the chain's own state, after sanity and signatures and
// before execution: how many blocks may go without proof of work, the AuxPow range and difficulty,
// and the peg-ins. Gossip and sync adoption run this one function, in this one order.
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { ConsensusBlock } from '../../types/chain.ts';
import type { ChainStore } from './chain-store.ts';
import { verifyAuxPow } from './verify-auxpow.ts';

/** The block cannot be judged yet: its proof's range is not on our chain, or its deposits not confirmed here. */
export interface Deferred {
  readonly deferred: 'auxpow-range-unknown' | 'peg-ins-unconfirmed';
  readonly reason: string;
}

export interface ChainRulesDeps {
  /** The peg-in rules (src/bridge/peg-in-rules.ts) with the node's view of Bitcoin: 'retry' when it cannot tell yet. */
  checkPegIns(b: ConsensusBlock): Promise<string | 'retry' | undefined>;
}

/**
 * Throws a BlockError when the block breaks a chain rule; returns a Deferred when it cannot be
 * judged yet, undefined when it passes. `finalizedHeight` is finality as it stands for this block
 * (a sync batch counts the proofs of the blocks before it).
 */
export async function verifyChainRules(store: ChainStore, deps: ChainRulesDeps, b: ConsensusBlock, finalizedHeight: number): Promise<Deferred | undefined> {
  if (b.auxPowHeader === null && b.height - finalizedHeight > store.spec.maxBlocksWithoutPow) {
    throw new BlockError(BlockErrorCode.TOO_MANY_WITHOUT_POW, `height ${b.height}: more than ${store.spec.maxBlocksWithoutPow} blocks after finalized height ${finalizedHeight} without proof of work`);
  }
  if (b.auxPowHeader !== null && verifyAuxPow(store, b.auxPowHeader, b.parentHash) === 'unknown') {
    return { deferred: 'auxpow-range-unknown', reason: 'proof of work range not on the chain' };
  }
  if (b.pegIns.length > 0 || b.executionPayload.withdrawals.length > 0) {
    const problem = await deps.checkPegIns(b);
    if (problem === 'retry') return { deferred: 'peg-ins-unconfirmed', reason: 'peg-ins not yet confirmed here' };
    if (problem !== undefined) throw new BlockError(BlockErrorCode.INVALID_PEG_IN, problem);
  }
  return undefined;
}
