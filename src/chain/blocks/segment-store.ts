// A chain store seen through the blocks of a segment verified so far: the next block of a sync
// batch finds its parent, the AuxPow range it covers and the difficulty after its parent among them,
// while nothing is written to the chain before the segment's blocks are persisted.
import type { TreeNode } from '../../consensus/fork-choice.ts';
import type { SignedConsensusBlock } from '../../types/chain.ts';
import { toHex } from '../../types/hex.ts';
import type { BlockView } from '../held-block.ts';
import type { ChainStore, TreeReads } from './chain-store.ts';
import { type PowState, initialPowState, powStateAfter } from './pow-state.ts';

interface Staged {
  readonly node: TreeNode;
  readonly block: SignedConsensusBlock;
  readonly pow: PowState;
}

export class SegmentStore implements ChainStore {
  private readonly staged = new Map<string, Staged>();

  readonly tree: TreeReads;

  constructor(private readonly base: ChainStore) {
    this.tree = new StagedTree(this.staged, base.tree);
  }

  get spec() {
    return this.base.spec;
  }
  get finalized() {
    return this.base.finalized;
  }

  block(hash: Uint8Array): BlockView | undefined {
    return this.staged.get(toHex(hash))?.block ?? this.base.block(hash);
  }

  powState(hash: Uint8Array): PowState | undefined {
    return this.staged.get(toHex(hash))?.pow ?? this.base.powState(hash);
  }

  /** Adds a verified block (its parent is in the store); returns the difficulty after it. */
  stage(signed: SignedConsensusBlock, hash: Uint8Array): PowState {
    const b = signed.message;
    const key = toHex(hash);
    const pow = powStateAfter(this.powState(b.parentHash) ?? initialPowState(this.spec), b, this.spec);
    this.staged.set(key, { node: { hash, key, parentKey: toHex(b.parentHash), height: b.height, slot: b.slot }, block: signed, pow });
    return pow;
  }
}

/**
 * The fork-choice tree with the segment's staged blocks on top. A class, not an object of arrow
 * functions: a store is made for every block processed, and the runtime's name-keeping transform
 * redefined the name of each arrow function at each construction.
 */
class StagedTree implements TreeReads {
  constructor(
    private readonly staged: ReadonlyMap<string, Staged>,
    private readonly base: TreeReads,
  ) {}

  has(hash: Uint8Array): boolean {
    return this.staged.has(toHex(hash)) || this.base.has(hash);
  }

  get(hash: Uint8Array): TreeNode | undefined {
    return this.staged.get(toHex(hash))?.node ?? this.base.get(hash);
  }

  finalized(): TreeNode {
    return this.base.finalized();
  }

  ancestorAt(hash: Uint8Array, height: number): TreeNode | undefined {
    let s = this.staged.get(toHex(hash));
    if (s === undefined) return this.base.ancestorAt(hash, height);
    for (;;) {
      if (s.node.height <= height) return s.node.height === height ? s.node : undefined;
      const parent: Uint8Array = s.block.message.parentHash;
      const next = this.staged.get(toHex(parent));
      if (next === undefined) return this.base.ancestorAt(parent, height);
      s = next;
    }
  }

  chainTo(hash: Uint8Array): TreeNode[] {
    const out: TreeNode[] = [];
    let at = hash;
    for (let s = this.staged.get(toHex(at)); s !== undefined; s = this.staged.get(toHex(at))) {
      out.push(s.node);
      at = s.block.message.parentHash;
    }
    return [...this.base.chainTo(at), ...out.reverse()];
  }
}
