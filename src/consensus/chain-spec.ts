// The chain specification: everything consensus needs to agree on, the same on every node.
export interface ChainSpec {
  readonly chainId: number;
  /** Aura slot length. */
  readonly slotDurationMs: number;
  /** Unix ms of slot 0. */
  readonly genesisTimeMs: number;
  /** Authority BLS public keys, in proposer order. */
  readonly authorities: readonly Uint8Array[];
  /** A block stamped this far ahead of our clock is refused as coming from the future. */
  readonly futureToleranceMs: number;
  /** Blocks past the last AuxPow-finalized one beyond this count are refused until PoW arrives. */
  readonly maxBlocksWithoutPow: number;
  /** The merged-mining chain id committed in the parent coinbase. */
  readonly auxPowChainId: number;
  /** Initial AuxPow difficulty (compact bits). */
  readonly initialBits: number;
  /** Target spacing between AuxPow finalizations, in slots (for the difficulty retarget). */
  readonly auxPowTargetSpacingSlots: number;
}

export const defaultSlotDurationMs = 2_000;
