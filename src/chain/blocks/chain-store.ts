// What the block pipeline's steps read of the chain: the fork-choice tree, the finalized record,
// the blocks held, and the AuxPow difficulty each block leaves. The ChainActor owns it; the steps
// are pure functions over it, so tests call them directly with a store of their own.
import type { ChainSpec } from '../../consensus/chain-spec.ts';
import type { BlockTree } from '../../consensus/fork-choice.ts';
import type { BlockView } from '../held-block.ts';
import type { PowState } from './pow-state.ts';

/** The reads of the fork-choice tree the steps need (a segment's staged blocks answer them too). */
export type TreeReads = Pick<BlockTree, 'has' | 'get' | 'ancestorAt' | 'chainTo' | 'finalized'>;

export interface ChainStore {
  readonly spec: ChainSpec;
  readonly tree: TreeReads;
  /** Finalized block hashes (hex) by height. */
  readonly finalized: readonly string[];
  /** A block we hold (committed, or verified earlier in the segment being processed). */
  block(hash: Uint8Array): BlockView | undefined;
  /** The AuxPow difficulty after the block `hash`; undefined for a block we do not hold. */
  powState(hash: Uint8Array): PowState | undefined;
}

/** The bits a proof of work embedded in a child of `parentHash` must meet. */
export function requiredBits(store: ChainStore, parentHash: Uint8Array): number {
  return store.powState(parentHash)?.bits ?? store.spec.initialBits;
}
