// Fork choice over accepted blocks: among the chains that extend the last AuxPow-finalized block,
// the longest wins, ties broken by the lowest hash. A finalized block is never reverted: finalizing
// a block that does not descend from the current finalized one is an error, and blocks that do not
// descend from it are pruned.
import { compareBytes, toHex } from '../types/hex.ts';

export interface TreeNode {
  readonly hash: Uint8Array;
  readonly key: string;
  readonly parentKey: string | undefined;
  readonly height: number;
  readonly slot: number;
}

export class ForkChoiceError extends Error {
  constructor(
    readonly code: 'UNKNOWN_BLOCK' | 'REVERTS_FINALIZED',
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ForkChoiceError';
  }
}

export class BlockTree {
  private readonly nodes = new Map<string, TreeNode>();
  private finalizedKey: string;
  private headKey: string;

  constructor(root: { hash: Uint8Array; height: number; slot: number }) {
    const key = toHex(root.hash);
    this.nodes.set(key, { hash: root.hash, key, parentKey: undefined, height: root.height, slot: root.slot });
    this.finalizedKey = key;
    this.headKey = key;
  }

  has(hash: Uint8Array): boolean {
    return this.nodes.has(toHex(hash));
  }

  get(hash: Uint8Array): TreeNode | undefined {
    return this.nodes.get(toHex(hash));
  }

  get size(): number {
    return this.nodes.size;
  }

  head(): TreeNode {
    return this.nodes.get(this.headKey) as TreeNode;
  }

  finalized(): TreeNode {
    return this.nodes.get(this.finalizedKey) as TreeNode;
  }

  /** Adds an accepted block whose parent is known; returns true if the head changed. */
  add(hash: Uint8Array, parentHash: Uint8Array, height: number, slot: number): boolean {
    const key = toHex(hash);
    if (this.nodes.has(key)) return false;
    const parentKey = toHex(parentHash);
    const parent = this.nodes.get(parentKey);
    if (parent === undefined) throw new ForkChoiceError('UNKNOWN_BLOCK', `parent ${parentKey.slice(0, 12)} of ${key.slice(0, 12)}`);
    const node: TreeNode = { hash, key, parentKey, height, slot };
    this.nodes.set(key, node);
    // No ancestry walk here (it made adding O(depth)): every node in the tree descends from the
    // finalized block, since finalize() prunes the rest and a new node's parent is in the tree.
    const head = this.head();
    if (height > head.height || (height === head.height && compareBytes(hash, head.hash) < 0)) {
      this.headKey = key;
      return true;
    }
    return false;
  }

  /** Ancestors of hash back to (and including) the block at `height`. */
  ancestorAt(hash: Uint8Array, height: number): TreeNode | undefined {
    let n = this.nodes.get(toHex(hash));
    while (n !== undefined && n.height > height) n = n.parentKey === undefined ? undefined : this.nodes.get(n.parentKey);
    return n !== undefined && n.height === height ? n : undefined;
  }

  /** The chain from the finalized block (exclusive) to hash (inclusive), oldest first. */
  chainTo(hash: Uint8Array): TreeNode[] {
    const out: TreeNode[] = [];
    let n = this.nodes.get(toHex(hash));
    while (n !== undefined && n.key !== this.finalizedKey) {
      out.push(n);
      n = n.parentKey === undefined ? undefined : this.nodes.get(n.parentKey);
    }
    return out.reverse();
  }

  finalize(hash: Uint8Array): void {
    const key = toHex(hash);
    const node = this.nodes.get(key);
    if (node === undefined) throw new ForkChoiceError('UNKNOWN_BLOCK', key.slice(0, 12));
    if (key === this.finalizedKey) return;
    if (!this.descendsFrom(node, this.finalizedKey)) {
      throw new ForkChoiceError('REVERTS_FINALIZED', `${key.slice(0, 12)} does not descend from finalized ${this.finalizedKey.slice(0, 12)}`);
    }
    this.finalizedKey = key;
    this.prune();
    this.recomputeHead();
  }

  private descendsFrom(node: TreeNode, ancestorKey: string): boolean {
    const anc = this.nodes.get(ancestorKey) as TreeNode;
    let n: TreeNode | undefined = node;
    while (n !== undefined && n.height > anc.height) n = n.parentKey === undefined ? undefined : this.nodes.get(n.parentKey);
    return n !== undefined && n.key === ancestorKey;
  }

  private prune(): void {
    const fin = this.finalized();
    for (const [k, n] of this.nodes) {
      if (k === this.finalizedKey) continue;
      if (n.height <= fin.height || !this.descendsFrom(n, this.finalizedKey)) this.nodes.delete(k);
    }
  }

  private recomputeHead(): void {
    let best = this.finalized();
    for (const n of this.nodes.values()) {
      if (n.height > best.height || (n.height === best.height && compareBytes(n.hash, best.hash) < 0)) best = n;
    }
    this.headKey = best.key;
  }
}
