// The AuxPow step of the block pipeline: a block's proof of work covers a range of our chain that
// ends at one of its ancestors, carries our chain id and the difficulty the chain requires, and
// commits to the bundle of that range in a valid merged-mining proof.
import { AuxPowError, checkAuxPow, decodeAuxPow } from '../../auxpow/auxpow.ts';
import { bundleHash } from '../../auxpow/bundle.ts';
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { AuxPowHeader } from '../../types/chain.ts';
import { equalBytes, fromHex, toHex } from '../../types/hex.ts';
import type { ChainStore } from './chain-store.ts';

/**
 * The hashes a proof of work covers, on our chain, from rangeStart to rangeEnd. Part of the range
 * may already be final here (another proof finalized it first): those hashes come from our record
 * of the finalized chain. Undefined: we cannot place the range (yet).
 */
export function powRange(store: ChainStore, pow: AuxPowHeader): Uint8Array[] | undefined {
  const startKey = toHex(pow.rangeStart);
  const endKey = toHex(pow.rangeEnd);
  const finalStart = store.finalized.indexOf(startKey);
  const finalEnd = store.finalized.indexOf(endKey);
  if (finalStart > 0 && finalEnd >= finalStart) return store.finalized.slice(finalStart, finalEnd + 1).map(fromHex);
  const chain = store.tree.chainTo(pow.rangeEnd);
  if (chain.length === 0) return undefined;
  if (finalStart > 0) return [...store.finalized.slice(finalStart).map(fromHex), ...chain.map((n) => n.hash)];
  const start = chain.findIndex((n) => n.key === startKey);
  return start < 0 ? undefined : chain.slice(start).map((n) => n.hash);
}

/**
 * Checks a block's proof of work against the chain. Returns 'unknown' when it cannot be judged yet
 * (we are behind: its range is not on our chain); throws a BlockError (BAD_AUXPOW) when it is wrong.
 */
export function verifyAuxPow(store: ChainStore, pow: AuxPowHeader, parentHash: Uint8Array): 'unknown' | undefined {
  const bad = (reason: string): BlockError => new BlockError(BlockErrorCode.BAD_AUXPOW, reason);
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
  const bits = store.requiredBits(parentHash);
  if (pow.bits !== bits) throw bad(`bits ${pow.bits.toString(16)}, the chain requires ${bits.toString(16)}`);
  try {
    checkAuxPow(decodeAuxPow(pow.auxPow), bundleHash(range), store.spec.auxPowChainId, pow.bits);
  } catch (err) {
    if (err instanceof AuxPowError) throw bad(err.message);
    throw err;
  }
  return undefined;
}
