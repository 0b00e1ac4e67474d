// The last step of the block pipeline: verified blocks are persisted (one synced write for the
// segment), and only then enter fork choice, so a block the chain counts as committed is always on
// disk, whatever crash follows.
import type { SignedConsensusBlock } from '../../types/chain.ts';
import type { PowState } from './pow-state.ts';

export interface VerifiedBlock {
  readonly signed: SignedConsensusBlock;
  readonly hash: Uint8Array;
  /** The AuxPow difficulty after this block. */
  readonly pow: PowState;
}

export interface ImportDeps {
  /** One atomic, synced write of the blocks. */
  persist(blocks: readonly VerifiedBlock[]): Promise<void>;
  /** Into fork choice (and finality, when its proof of work finalizes an ancestor). */
  addToForkChoice(block: VerifiedBlock): Promise<void>;
}

/** `persisted`: the blocks are on disk already (recovery reads them from there). */
export async function importBlocks(blocks: readonly VerifiedBlock[], deps: ImportDeps, persisted = false): Promise<void> {
  if (blocks.length === 0) return;
  if (!persisted) await deps.persist(blocks);
  for (const b of blocks) await deps.addToForkChoice(b);
}
