// The chain as one node holds it: the fork-choice tree over committed blocks, the blocks by hash,
// the finalized record, the AuxPow difficulty after each block and the deposits each block minted.
// Pure state, no IO: the ChainActor writes to disk first and then changes this, and the block
// pipeline's steps read it as their ChainStore.
import { bundleHash } from '../auxpow/bundle.ts';
import { pegInKey } from '../bridge/peg-in-rules.ts';
import { signerIndices } from '../consensus/approvals.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { BlockTree, ForkChoiceError } from '../consensus/fork-choice.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { fromHex, toHex } from '../types/hex.ts';
import { type ChainStore, requiredBits } from './blocks/chain-store.ts';
import type { VerifiedBlock } from './blocks/import-blocks.ts';
import { MintedIndex, mintedAboveFinality } from './blocks/minted-index.ts';
import { type PowState, initialPowState } from './blocks/pow-state.ts';
import type { AcceptedRecord } from './chain-view.ts';
import { type HeldBlock, hold } from './held-block.ts';

/**
 * Whole blocks (transactions included) kept for the newest blocks committed: the ones peers ask for
 * by gossip and parent requests. Older ones are read back from storage.
 */
export const RECENT_WHOLE_BLOCKS = 128;

/** A block on our head's branch, by height and hash (hex): what a reader fetches from storage. */
export interface BlockRef {
  readonly height: number;
  readonly key: string;
}

/** What a merged miner needs to mine the next proof: the bundle of the unfinalized chain to our head. */
export interface BundleWork {
  readonly auxHash: Uint8Array;
  readonly rangeStart: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly height: number;
  readonly bits: number;
}

export class ChainState implements ChainStore {
  readonly tree: BlockTree;
  /** Committed blocks by hash (hex), without their transactions; finalized ones stay after the tree prunes them. */
  readonly blocks = new Map<string, HeldBlock>();
  /** The newest committed blocks whole, oldest first (at most RECENT_WHOLE_BLOCKS). */
  private readonly recent = new Map<string, SignedConsensusBlock>();
  /** Finalized block hashes (hex) by height. */
  readonly finalized: string[];
  /** Hashes of every block reported committed (accepted and on disk). */
  readonly committed = new Set<string>();
  /** Deposits (txid:vout) each accepted block minted, for blocks that minted any. */
  readonly mintedIn = new Map<string, readonly string[]>();
  /** Accepted blocks in acceptance order (for the checkers). */
  readonly accepted: AcceptedRecord[] = [];
  /** AuxPow difficulty after each block: the bits a proof embedded in a child of it must meet. */
  private readonly pow = new Map<string, PowState>();
  private readonly minted = new MintedIndex();

  constructor(
    readonly spec: ChainSpec,
    readonly genesis: { readonly signed: SignedConsensusBlock; readonly hash: Uint8Array },
  ) {
    this.tree = new BlockTree({ hash: genesis.hash, height: 0, slot: 0 });
    const g = toHex(genesis.hash);
    this.blocks.set(g, hold(genesis.signed));
    this.finalized = [g];
    this.committed.add(g);
    this.pow.set(g, initialPowState(spec));
  }

  block(hash: Uint8Array): HeldBlock | undefined {
    return this.blocks.get(toHex(hash));
  }

  /** A committed block whole, when it is among the newest (or genesis); otherwise storage has it. */
  whole(key: string): SignedConsensusBlock | undefined {
    if (!this.committed.has(key)) return undefined;
    return this.recent.get(key) ?? (key === this.finalized[0] ? this.genesis.signed : undefined);
  }

  powState(hash: Uint8Array): PowState | undefined {
    return this.pow.get(toHex(hash));
  }

  requiredBits(parentHash: Uint8Array): number {
    return requiredBits(this, parentHash);
  }

  headBlock(): HeldBlock {
    return this.blocks.get(this.tree.head().key) as HeldBlock;
  }

  finalizedBlock(): HeldBlock {
    return this.blocks.get(this.tree.finalized().key) ?? (this.blocks.get(this.finalized[0] as string) as HeldBlock);
  }

  /**
   * A block that is on disk joins the tree and counts as committed; `record`: it is kept in the
   * accepted record (not for blocks read back from our own disk). Undefined when its parent was
   * pruned by a finalization meanwhile (a branch that can no longer win); otherwise whether the
   * block changed the AuxPow difficulty.
   */
  add(v: VerifiedBlock, record: boolean): { readonly retargeted: boolean } | undefined {
    const { signed, hash } = v;
    const key = toHex(hash);
    try {
      this.tree.add(hash, signed.message.parentHash, signed.message.height, signed.message.slot);
    } catch (err) {
      if (err instanceof ForkChoiceError) return undefined;
      throw err;
    }
    this.blocks.set(key, hold(signed));
    this.recent.set(key, signed);
    if (this.recent.size > RECENT_WHOLE_BLOCKS) this.recent.delete(this.recent.keys().next().value as string);
    this.committed.add(key);
    const parentBits = this.powState(signed.message.parentHash)?.bits;
    this.pow.set(key, v.pow);
    if (signed.message.pegIns.length > 0) this.mintedIn.set(key, signed.message.pegIns.map(pegInKey));
    if (record) this.accepted.push(acceptedRecord(signed, hash));
    return { retargeted: parentBits !== undefined && parentBits !== v.pow.bits };
  }

  /**
   * Finalizes `hash` (already recorded on disk) and the chain up to it; `shift` is the planted bug
   * chain-finalized-off-by-one (each block written one height too low). Returns the finalized
   * height, or undefined when there is nothing new to finalize.
   */
  finalize(hash: Uint8Array, shift = 0): number | undefined {
    const chain = this.tree.chainTo(hash);
    const node = this.tree.get(hash);
    if (node === undefined || chain.length === 0) return undefined;
    this.tree.finalize(hash);
    for (const c of chain) this.finalized[c.height - shift] = c.key;
    return node.height;
  }

  /** Whether there is something new to finalize at `hash` (before it is written to disk). */
  finalizable(hash: Uint8Array): { readonly height: number } | undefined {
    const node = this.tree.get(hash);
    return node === undefined || this.tree.chainTo(hash).length === 0 ? undefined : { height: node.height };
  }

  /** Whether `hash` is an ancestor of (or is) `tip`. */
  onChainOf(tip: Uint8Array, hash: Uint8Array): boolean {
    const node = this.tree.get(hash);
    if (node === undefined) return false;
    const anc = this.tree.ancestorAt(tip, node.height);
    return anc !== undefined && anc.key === node.key;
  }

  onHeadChain(hash: Uint8Array): boolean {
    return this.onChainOf(this.tree.head().hash, hash);
  }

  /** The key of the block at `height` on the head's branch (finalized heights from the finalized record). */
  private keyAt(height: number): string | undefined {
    return height <= this.tree.finalized().height ? this.finalized[height] : this.tree.ancestorAt(this.tree.head().hash, height)?.key;
  }

  /** A committed block by hash, or by height on the head's branch (finalized heights included). */
  read(q: { readonly hash?: Uint8Array; readonly height?: number }): { readonly block: HeldBlock; readonly hash: Uint8Array } | undefined {
    const key = q.hash !== undefined ? toHex(q.hash) : q.height === undefined ? undefined : this.keyAt(q.height);
    const block = key === undefined || !this.committed.has(key) ? undefined : this.blocks.get(key);
    return block === undefined || key === undefined ? undefined : { block, hash: fromHex(key) };
  }

  /** Committed blocks on our head chain from startHeight on, oldest first (finalized ones included). */
  canonicalRange(startHeight: number, count: number, max: number): BlockRef[] {
    const out: BlockRef[] = [];
    const head = this.tree.head();
    for (let h = Math.max(1, startHeight); h < startHeight + Math.min(count, max) && h <= head.height; h++) {
      const key = this.keyAt(h);
      if (key === undefined || !this.blocks.has(key) || !this.committed.has(key)) break;
      out.push({ height: h, key });
    }
    return out;
  }

  /** Finalized blocks above `height`, oldest first, with their execution payload hashes. */
  finalizedAfter(height: number, max: number): Array<{ height: number; payloadHash: Uint8Array }> {
    const out: Array<{ height: number; payloadHash: Uint8Array }> = [];
    for (let h = height + 1; h < this.finalized.length && out.length < max; h++) {
      const b = this.blocks.get(this.finalized[h] ?? '');
      if (b === undefined) break;
      out.push({ height: h, payloadHash: b.message.executionPayload.blockHash });
    }
    return out;
  }

  /**
   * Deposits minted on the branch ending at `hash`, as `store` holds it (a segment's staged blocks
   * included). `aboveFinalityOnly` is the planted bug peg-minted-above-finality-only.
   */
  mintedOn(store: ChainStore, hash: Uint8Array, aboveFinalityOnly = false): ReadonlySet<string> {
    const lookup = (k: string) => store.block(fromHex(k));
    if (aboveFinalityOnly) return mintedAboveFinality(lookup, toHex(hash), this.tree.finalized().height);
    return this.minted.mintedOn(lookup, toHex(hash));
  }

  bundle(): BundleWork | undefined {
    const head = this.tree.head();
    const chain = this.tree.chainTo(head.hash);
    const first = chain[0];
    if (first === undefined) return undefined;
    // The next block carries the proof, so it must meet the difficulty after the current head.
    return { auxHash: bundleHash(chain.map((c) => c.hash)), rangeStart: first.hash, rangeEnd: head.hash, height: head.height, bits: this.requiredBits(head.hash) };
  }
}

export function acceptedRecord(signed: SignedConsensusBlock, hash: Uint8Array): AcceptedRecord {
  const p = signed.message.executionPayload;
  // Copies: the block's fields are views into its bytes, which the record must not keep alive.
  return {
    hash,
    slot: signed.message.slot,
    height: signed.message.height,
    proposerIndex: signed.proposerIndex,
    signature: signed.signature.slice(),
    approvalSigners: signerIndices(signed.approvals.signers),
    approvalSignature: signed.approvals.signature.slice(),
    parentHash: signed.message.parentHash.slice(),
    payload: { blockHash: p.blockHash.slice(), parentHash: p.parentHash.slice(), blockNumber: p.blockNumber },
  };
}
