// A source chain for sync: N blocks by four authorities, each approved by a quorum, with execution
// payloads that chain from the genesis payload and carry a few transactions (so blocks have a
// realistic size on the wire). Deterministic from its length.
import { blockHash, encodeBlock } from '../../src/codec/block-codec.ts';
import { approve, aggregateApprovals, signBlock } from '../../src/consensus/sign-block.ts';
import type { SignatureScheme, KeyPair } from '../../src/crypto/signature-scheme.ts';
import { genesisBlock, genesisPayload } from '../../src/chain/genesis.ts';
import { childPayload } from '../../src/io/sim/execution.ts';
import type { ExecutionPayload, SignedConsensusBlock } from '../../src/types/chain.ts';

export interface SourceChain {
  readonly genesisHash: Uint8Array;
  readonly blocks: readonly SignedConsensusBlock[];
  readonly keys: readonly KeyPair[];
  readonly avgBlockBytes: number;
}

/** forkParent: build a chain hanging off another parent (validly signed, but not linking to genesis). */
export function buildSourceChain(length: number, scheme: SignatureScheme, txsPerBlock = 8, txBytes = 100, forkParent?: Uint8Array): SourceChain {
  const keys = Array.from({ length: 4 }, (_, i) => scheme.keyFromSeed(new Uint8Array(32).fill(0x20 + i)));
  const genesis = genesisBlock(keys.length);
  const blocks: SignedConsensusBlock[] = [];
  let parent = forkParent ?? genesis.hash;
  let parentPayload: ExecutionPayload = genesisPayload();
  let bytes = 0;
  for (let h = 1; h <= length; h++) {
    const txs = Array.from({ length: txsPerBlock }, (_, i) => new Uint8Array(txBytes).fill((h * 31 + i) & 0xff));
    // Built as the simulated execution client checks it: linked to the parent payload, with the
    // state root, receipts and gas that executing it gives.
    const payload = childPayload(parentPayload, { timestamp: 1_767_225_600 + 2 * h, feeRecipient: new Uint8Array(20), prevRandao: new Uint8Array(32), transactions: txs });
    const message = { parentHash: parent, slot: h, height: h, executionPayload: payload, auxPowHeader: null, pegIns: [], pegOutProposals: [], finalizedPegOuts: [] };
    const proposer = h % keys.length;
    const signed = signBlock(message, proposer, keys[proposer] as KeyPair, keys.length);
    const hash = blockHash(message);
    const approvals = new Map([0, 1, 2].map((i) => [i, approve(hash, keys[i] as KeyPair)]));
    const full = { ...signed, approvals: aggregateApprovals(keys.length, approvals, scheme) };
    blocks.push(full);
    // What a block costs on the wire: its SSZ encoding plus the 4-byte offset of a list element.
    bytes += encodeBlock(full).length + 4;
    parent = hash;
    parentPayload = payload;
  }
  return { genesisHash: genesis.hash, blocks, keys, avgBlockBytes: length === 0 ? 0 : bytes / length };
}
