import type { SignatureScheme, KeyPair } from '../../src/crypto/signature-scheme.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import type { ConsensusBlock, SignedConsensusBlock } from '../../src/types/chain.ts';
import { approve, aggregateApprovals, signBlock } from '../../src/consensus/sign-block.ts';
import { blockHash } from '../../src/codec/block-codec.ts';

export function keys(n: number, scheme: SignatureScheme): KeyPair[] {
  return Array.from({ length: n }, (_, i) => scheme.keyFromSeed(new Uint8Array(32).fill(i + 1)));
}

export function spec(ks: readonly KeyPair[]): ChainSpec {
  return {
    chainId: 121212,
    slotDurationMs: 2_000,
    genesisTimeMs: 0,
    authorities: ks.map((k) => k.publicKey),
    futureToleranceMs: 500,
    maxBlocksWithoutPow: 50,
    auxPowChainId: 1337,
    initialBits: 0x207fffff,
    auxPowTargetSpacingSlots: 10,
  };
}

const zero32 = new Uint8Array(32);
const zero20 = new Uint8Array(20);

export function emptyBlock(parentHash: Uint8Array, slot: number, height: number): ConsensusBlock {
  return {
    parentHash,
    slot,
    height,
    executionPayload: {
      parentHash: zero32,
      feeRecipient: zero20,
      stateRoot: zero32,
      receiptsRoot: zero32,
      logsBloom: new Uint8Array(256),
      prevRandao: zero32,
      blockNumber: height,
      gasLimit: 30_000_000,
      gasUsed: 0,
      timestamp: slot * 2,
      extraData: new Uint8Array(0),
      baseFeePerGas: 7n,
      blockHash: new Uint8Array(32).fill(height % 256),
      transactions: [],
      withdrawals: [],
    },
    auxPowHeader: null,
    pegIns: [],
    pegOutProposals: [],
    finalizedPegOuts: [],
  };
}

/** A block at slot by its rightful proposer, approved by the given authorities. */
export function signedBlock(
  ks: readonly KeyPair[],
  scheme: SignatureScheme,
  parentHash: Uint8Array,
  slot: number,
  height: number,
  approvers: readonly number[],
): SignedConsensusBlock {
  const proposer = slot % ks.length;
  const block = emptyBlock(parentHash, slot, height);
  const signed = signBlock(block, proposer, ks[proposer] as KeyPair, ks.length);
  const hash = blockHash(block);
  const approvals = new Map(approvers.map((i) => [i, approve(hash, ks[i] as KeyPair)]));
  return { ...signed, approvals: aggregateApprovals(ks.length, approvals, scheme) };
}
