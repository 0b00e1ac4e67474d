// Equivocation: one proposer, one slot, two different blocks. The detector keeps the first block
// seen per (proposer, slot) for a bounded window of slots and returns both as evidence.
import { equalBytes, toHex } from '../types/hex.ts';

export interface EquivocationEvidence {
  readonly proposerIndex: number;
  readonly slot: number;
  readonly first: Uint8Array;
  readonly second: Uint8Array;
}

export class EquivocationDetector {
  private readonly seen = new Map<string, Uint8Array>();
  private readonly order: Array<{ key: string; slot: number }> = [];

  constructor(private readonly windowSlots = 1_024) {}

  /** Records a block; returns evidence if the proposer already signed another block for the slot. */
  observe(proposerIndex: number, slot: number, hash: Uint8Array): EquivocationEvidence | undefined {
    const key = `${proposerIndex}:${slot}`;
    const first = this.seen.get(key);
    if (first !== undefined) {
      return equalBytes(first, hash) ? undefined : { proposerIndex, slot, first, second: hash };
    }
    this.seen.set(key, hash);
    this.order.push({ key, slot });
    while (this.order.length > 0 && (this.order[0] as { slot: number }).slot < slot - this.windowSlots) {
      this.seen.delete((this.order.shift() as { key: string }).key);
    }
    return undefined;
  }

  get size(): number {
    return this.seen.size;
  }
}

export const describeEvidence = (e: EquivocationEvidence): string =>
  `authority ${e.proposerIndex} signed ${toHex(e.first).slice(0, 12)} and ${toHex(e.second).slice(0, 12)} for slot ${e.slot}`;
