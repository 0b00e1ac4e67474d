// Difficulty retarget for AuxPow finalizations.
//
//   next_target = prev_target × actual_spacing / target_spacing, with actual_spacing clamped to
//   [target_spacing / 4, target_spacing × 4], and next_target never above pow_limit.
//
// Spacing is measured in consensus slots between two finalizing AuxPows. Finalizations that come too
// fast give a smaller target (harder work); too slow, a larger one (easier). The Rust Alys clamped
// in the wrong direction when blocks came too fast; the clamp here bounds the *ratio* so both
// directions move the right way by at most a factor of four per retarget.
import { bitsToTarget, targetToBits } from './bitcoin.ts';

export const REGTEST_POW_LIMIT = bitsToTarget(0x207fffff);

export function nextBits(prevBits: number, actualSpacingSlots: number, targetSpacingSlots: number, powLimit: bigint = REGTEST_POW_LIMIT): number {
  const actual = Math.min(targetSpacingSlots * 4, Math.max(targetSpacingSlots / 4, actualSpacingSlots));
  // Integer arithmetic on the target: scale by 1000 to keep quarter steps exact.
  const next = (bitsToTarget(prevBits) * BigInt(Math.round(actual * 1000))) / BigInt(Math.round(targetSpacingSlots * 1000));
  return targetToBits(next > powLimit ? powLimit : next < 1n ? 1n : next);
}

/** Blocks without PoW: a chain may not run more than max blocks past its last finalized block. */
export function withinPowAllowance(height: number, finalizedHeight: number, maxBlocksWithoutPow: number): boolean {
  return height - finalizedHeight <= maxBlocksWithoutPow;
}
