// The serving peers' chain for sync: blocks in production format, as the node's own rules check
// them. One block per slot from a genesis far enough in the past, the slot's proposer signing and a
// quorum approving, payloads that extend their parent's (number, hash, slot time), and an AuxPow
// proof mined every `auxPowTargetSpacingSlots` blocks that finalizes the blocks before it at the
// difficulty the chain requires. Deterministic from its length and spec.
import { encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { bundleHash } from '../../src/auxpow/bundle.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import { nextBits } from '../../src/auxpow/retarget.ts';
import { blockHash, encodeBlock } from '../../src/codec/block-codec.ts';
import { payloadTimestampFor, proposerIndexFor } from '../../src/consensus/aura.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { aggregateApprovals, approve, signBlock } from '../../src/consensus/sign-block.ts';
import type { KeyPair, SignatureScheme } from '../../src/crypto/signature-scheme.ts';
import { genesisBlock, genesisPayload } from '../../src/chain/genesis.ts';
import { childPayload } from '../../src/io/sim/execution.ts';
import type { AuxPowHeader, ExecutionPayload, SignedConsensusBlock } from '../../src/types/chain.ts';

export interface SourceChain {
  readonly genesisHash: Uint8Array;
  readonly blocks: readonly SignedConsensusBlock[];
  readonly avgBlockBytes: number;
}

export interface SourceChainOptions {
  readonly length: number;
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  /** The authorities' keys, in the spec's order. */
  readonly keys: readonly KeyPair[];
  readonly txsPerBlock?: number;
  readonly txBytes?: number;
  /** A chain hanging off another parent: validly signed and mined, but not linking to genesis. */
  readonly forkParent?: Uint8Array;
  /** Slots missed before the first block (the authorities started late): block h is at slot h + this. */
  readonly missedSlots?: number;
}

export function buildSourceChain(o: SourceChainOptions): SourceChain {
  const { spec, keys, scheme } = o;
  const txsPerBlock = o.txsPerBlock ?? 8;
  const txBytes = o.txBytes ?? 100;
  const n = keys.length;
  const genesis = genesisBlock(n);
  const blocks: SignedConsensusBlock[] = [];
  const hashes: Uint8Array[] = [genesis.hash];
  let parent = o.forkParent ?? genesis.hash;
  let parentPayload: ExecutionPayload = genesisPayload();
  // AuxPow difficulty after the parent, as the chain tracks it; and the last finalized height.
  let pow = { bits: spec.initialBits, lastPowSlot: 0 };
  let finalized = 0;
  let bytes = 0;
  for (let h = 1; h <= o.length; h++) {
    const slot = h + (o.missedSlots ?? 0);
    const txs = Array.from({ length: txsPerBlock }, (_, i) => new Uint8Array(txBytes).fill((h * 31 + i) & 0xff));
    const payload = childPayload(parentPayload, { timestamp: payloadTimestampFor(slot, spec), feeRecipient: new Uint8Array(20), prevRandao: new Uint8Array(32), transactions: txs });
    let auxPowHeader: AuxPowHeader | null = null;
    if (h % spec.auxPowTargetSpacingSlots === 0 && h - 1 > finalized) {
      // The proof covers every block after the finalized one up to the parent (the chain's bundle).
      const range = hashes.slice(finalized + 1, h);
      const mined = mineAuxPow(bundleHash(range), spec.auxPowChainId, pow.bits, h, 1_000_000);
      if (mined === undefined) throw new Error(`source chain: no AuxPow found for height ${h} at bits ${pow.bits.toString(16)}`);
      auxPowHeader = {
        rangeStart: range[0] as Uint8Array,
        rangeEnd: range[range.length - 1] as Uint8Array,
        bits: pow.bits,
        chainId: spec.auxPowChainId,
        height: h - 1,
        auxPow: encodeAuxPow(mined.auxPow),
        feeRecipient: new Uint8Array(20).fill(7),
      };
    }
    const message = { parentHash: parent, slot, height: h, executionPayload: payload, auxPowHeader, pegIns: [], pegOutProposals: [], finalizedPegOuts: [] };
    const proposer = proposerIndexFor(slot, n);
    const signed = signBlock(message, proposer, keys[proposer] as KeyPair, n);
    const hash = blockHash(message);
    // Approved by a quorum: every authority but the one after the proposer.
    const approvers = keys.map((_, i) => i).filter((i) => n === 1 || i !== (proposer + 1) % n);
    const approvals = new Map(approvers.map((i) => [i, approve(hash, keys[i] as KeyPair)]));
    const full = { ...signed, approvals: aggregateApprovals(n, approvals, scheme) };
    blocks.push(full);
    hashes.push(hash);
    // What a block costs on the wire: its SSZ encoding plus the 4-byte offset of a list element.
    bytes += encodeBlock(full).length + 4;
    if (auxPowHeader !== null) {
      pow = { bits: nextBits(pow.bits, slot - pow.lastPowSlot, spec.auxPowTargetSpacingSlots), lastPowSlot: slot };
      finalized = h - 1;
    }
    parent = hash;
    parentPayload = payload;
  }
  return { genesisHash: genesis.hash, blocks, avgBlockBytes: o.length === 0 ? 0 : bytes / o.length };
}
