// Deposits minted on a branch, for the peg-in rule "each deposit once per branch". Blocks are
// content-addressed, so a branch's set never changes: it is kept for recent blocks, and a new block
// walks back only to the nearest one kept (its parent, as a rule) instead of to genesis; blocks
// without peg-ins share their parent's set.
import { pegInKey } from '../../bridge/peg-in-rules.ts';
import type { BlockView } from '../held-block.ts';
import { toHex } from '../../types/hex.ts';

/** A block by hash (hex), committed or staged in the segment being processed. */
export type BlockLookup = (key: string) => BlockView | undefined;

const KEEP = 4_096;

export class MintedIndex {
  private readonly memo = new Map<string, ReadonlySet<string>>();

  /** Deposits (txid:vout) minted on the branch ending at `key`. */
  mintedOn(lookup: BlockLookup, key: string): ReadonlySet<string> {
    const path: Array<{ key: string; block: BlockView }> = [];
    let k = key;
    let b = lookup(k);
    while (!this.memo.has(k) && b !== undefined && b.message.height > 0) {
      path.push({ key: k, block: b });
      k = toParentKey(b);
      b = lookup(k);
    }
    // A walk that ran into a block we do not hold gives what it saw, but is not kept.
    const complete = this.memo.has(k) || b !== undefined;
    let acc: ReadonlySet<string> = this.memo.get(k) ?? new Set<string>();
    for (let i = path.length - 1; i >= 0; i--) {
      const { key: at, block } = path[i] as { key: string; block: BlockView };
      if (block.message.pegIns.length > 0) {
        const next = new Set<string>(acc);
        for (const p of block.message.pegIns) next.add(pegInKey(p));
        acc = next;
      }
      if (!complete) continue;
      this.memo.set(at, acc);
      if (this.memo.size > KEEP) this.memo.delete(this.memo.keys().next().value as string);
    }
    return acc;
  }
}

/**
 * Planted bug `peg-minted-above-finality-only`: the walk stops at the finalized block, as if what
 * is final could not be minted again.
 */
export function mintedAboveFinality(lookup: BlockLookup, key: string, finalizedHeight: number): ReadonlySet<string> {
  const out = new Set<string>();
  let b = lookup(key);
  while (b !== undefined && b.message.height > finalizedHeight) {
    for (const p of b.message.pegIns) out.add(pegInKey(p));
    b = lookup(toParentKey(b));
  }
  return out;
}

function toParentKey(b: BlockView): string {
  return toHex(b.message.parentHash);
}
