// AuxPow difficulty follows the chain (src/auxpow/retarget.ts): a block carrying a proof retargets
// from the slots since the previous proof on its branch; other blocks inherit their parent's.
import { nextBits } from '../../auxpow/retarget.ts';
import type { ChainSpec } from '../../consensus/chain-spec.ts';
import type { ConsensusBlock } from '../../types/chain.ts';

export interface PowState {
  /** The bits a proof embedded in a child of this block must meet. */
  readonly bits: number;
  /** The slot of the last block on this branch that carried a proof. */
  readonly lastPowSlot: number;
}

export function initialPowState(spec: Pick<ChainSpec, 'initialBits'>): PowState {
  return { bits: spec.initialBits, lastPowSlot: 0 };
}

/** The difficulty after `b`, given the state after its parent. */
export function powStateAfter(parent: PowState, b: Pick<ConsensusBlock, 'auxPowHeader' | 'slot'>, spec: Pick<ChainSpec, 'auxPowTargetSpacingSlots'>): PowState {
  if (b.auxPowHeader === null) return parent;
  return { bits: nextBits(parent.bits, b.slot - parent.lastPowSlot, spec.auxPowTargetSpacingSlots), lastPowSlot: b.slot };
}
