// What the block pipeline's steps read of the chain: the fork-choice tree, the finalized record,
// and the AuxPow difficulty each block leaves. The ChainActor owns it; the steps are pure
// functions over it, so tests call them directly.
import type { ChainSpec } from '../../consensus/chain-spec.ts';
import type { BlockTree } from '../../consensus/fork-choice.ts';

export interface ChainStore {
  readonly spec: ChainSpec;
  readonly tree: BlockTree;
  /** Finalized block hashes (hex) by height. */
  readonly finalized: readonly string[];
  /** The bits a proof of work embedded in a child of `parentHash` must meet. */
  requiredBits(parentHash: Uint8Array): number;
}
