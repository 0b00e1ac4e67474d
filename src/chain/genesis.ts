// The genesis block every node starts from: height 0, slot 0, an empty execution payload whose hash
// the execution client knows.
import { blockHash } from '../codec/block-codec.ts';
import { noApprovals } from '../consensus/sign-block.ts';
import type { ExecutionPayload, SignedConsensusBlock } from '../types/chain.ts';

const zero32 = new Uint8Array(32);

export function genesisPayload(): ExecutionPayload {
  return {
    parentHash: zero32,
    feeRecipient: new Uint8Array(20),
    stateRoot: zero32,
    receiptsRoot: zero32,
    logsBloom: new Uint8Array(256),
    prevRandao: zero32,
    blockNumber: 0,
    gasLimit: 30_000_000,
    gasUsed: 0,
    timestamp: 0,
    extraData: new Uint8Array(0),
    baseFeePerGas: 7n,
    blockHash: new Uint8Array(32).fill(0x9e),
    transactions: [],
    withdrawals: [],
  };
}

/** The consensus genesis over an execution genesis (the simulated one, or the real client's block 0). */
export function genesisBlock(authorityCount: number, executionGenesis: ExecutionPayload = genesisPayload()): { signed: SignedConsensusBlock; hash: Uint8Array } {
  const message = {
    parentHash: zero32,
    slot: 0,
    height: 0,
    executionPayload: executionGenesis,
    auxPowHeader: null,
    pegIns: [],
    pegOutProposals: [],
    finalizedPegOuts: [],
  };
  return { signed: { message, proposerIndex: 0, signature: new Uint8Array(96), approvals: noApprovals(authorityCount) }, hash: blockHash(message) };
}
