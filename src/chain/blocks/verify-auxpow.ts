// The AuxPow step of the block pipeline: no more than maxBlocksWithoutPow blocks past finality
// without a proof, and a block's proof of work covers a range of our chain that ends at one of its
// ancestors, carries our chain id and the difficulty the chain requires, and commits to the bundle
// of that range in a valid merged-mining proof.
import { AuxPowError, checkAuxPow, decodeAuxPow } from '../../auxpow/auxpow.ts';
import { bundleHash } from '../../auxpow/bundle.ts';
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { AuxPowHeader, ConsensusBlock } from '../../types/chain.ts';
import { equalBytes, fromHex, toHex } from '../../types/hex.ts';
import { type ChainStore, requiredBits } from './chain-store.ts';

/**
 * The hashes a proof of work covers, on our chain, from rangeStart to rangeEnd. Part of the range
 * may already be final here (another proof finalized it first): those hashes come from our record
 * of the finalized chain. Undefined: we cannot place the range (yet).
 */
export function powRange(store: ChainStore, pow: AuxPowHeader): Uint8Array[] | undefined {
  const startKey = toHex(pow.rangeStart);
  const endKey = toHex(pow.rangeEnd);
  const finalStart = finalizedIndex(store, pow.rangeStart, startKey);
  const finalEnd = finalizedIndex(store, pow.rangeEnd, endKey);
  if (finalStart > 0 && finalEnd >= finalStart) return store.finalized.slice(finalStart, finalEnd + 1).map(fromHex);
  const chain = store.tree.chainTo(pow.rangeEnd);
  if (chain.length === 0) return undefined;
  if (finalStart > 0) return [...store.finalized.slice(finalStart).map(fromHex), ...chain.map((n) => n.hash)];
  const start = chain.findIndex((n) => n.key === startKey);
  return start < 0 ? undefined : chain.slice(start).map((n) => n.hash);
}

/**
 * Where `key` sits in the finalized record, or -1. The record is by height, so a block we hold is
 * looked up at its own (a search of the record per proof grew with the chain); one we do not hold
 * is searched for.
 */
function finalizedIndex(store: ChainStore, hash: Uint8Array, key: string): number {
  const height = store.block(hash)?.message.height;
  if (height === undefined) return store.finalized.indexOf(key);
  return store.finalized[height] === key ? height : -1;
}

/**
 * Checks a block's proof of work against the chain. Returns 'unknown' when it cannot be judged yet
 * (we are behind: its range is not on our chain); throws a BlockError (BAD_AUXPOW) when it is wrong.
 */
export function verifyAuxPow(store: ChainStore, pow: AuxPowHeader, parentHash: Uint8Array): 'unknown' | undefined {
  const bad = (reason: string): BlockError =>
    new BlockError(BlockErrorCode.BAD_AUXPOW, reason, { rangeStart: toHex(pow.rangeStart), rangeEnd: toHex(pow.rangeEnd), reason });
  const range = powRange(store, pow);
  if (range === undefined) {
    if (store.tree.has(pow.rangeStart) && store.tree.has(pow.rangeEnd)) throw bad('range start is not on the chain to its end');
    return 'unknown';
  }
  const end = store.tree.get(pow.rangeEnd);
  if (end !== undefined) {
    const anc = store.tree.ancestorAt(parentHash, end.height);
    if (anc === undefined || !equalBytes(anc.hash, pow.rangeEnd)) throw bad('range end is not an ancestor of the block');
  }
  if (pow.chainId !== store.spec.auxPowChainId) throw bad(`wrong chain id ${pow.chainId}`);
  const bits = requiredBits(store, parentHash);
  if (pow.bits !== bits) throw bad(`bits ${pow.bits.toString(16)}, the chain requires ${bits.toString(16)}`);
  try {
    checkAuxPow(decodeAuxPow(pow.auxPow), bundleHash(range), store.spec.auxPowChainId, pow.bits);
  } catch (err) {
    if (err instanceof AuxPowError) throw bad(err.message);
    throw err;
  }
  return undefined;
}

/**
 * The pipeline's AuxPow step. `finalizedHeight` is finality as it stands for this block (a segment
 * counts the proofs of the blocks before it). Throws TOO_MANY_WITHOUT_POW or BAD_AUXPOW when the
 * block breaks the rule, AUXPOW_RANGE_UNKNOWN when its proof cannot be placed on our chain yet.
 */
export function verifyPowRules(store: ChainStore, b: ConsensusBlock, finalizedHeight: number): void {
  const max = store.spec.maxBlocksWithoutPow;
  if (b.auxPowHeader === null) {
    if (b.height - finalizedHeight > max) {
      throw new BlockError(BlockErrorCode.TOO_MANY_WITHOUT_POW, `height ${b.height}: more than ${max} blocks after finalized height ${finalizedHeight} without proof of work`, {
        height: b.height,
        finalizedHeight,
        max,
      });
    }
    return;
  }
  const pow = b.auxPowHeader;
  if (verifyAuxPow(store, pow, b.parentHash) === 'unknown') {
    throw new BlockError(BlockErrorCode.AUXPOW_RANGE_UNKNOWN, 'proof of work range not on the chain', { rangeStart: toHex(pow.rangeStart), rangeEnd: toHex(pow.rangeEnd) });
  }
}
