// The SSZ schemas of everything the chain puts on the wire or on disk. One deterministic encoding,
// and block hashes are SSZ hash-tree roots, as in Lodestar.
import '../codec/ssz-hasher.ts';
import {
  BitListType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListCompositeType,
  OptionalType,
  UintBigintType,
  UintNumberType,
} from '@chainsafe/ssz';

export const MAX_AUTHORITIES = 64;
export const MAX_TRANSACTIONS = 1_024;
export const MAX_TX_BYTES = 128 * 1024;
export const MAX_WITHDRAWALS = 256;
export const MAX_PEG_INS = 256;
export const MAX_PEG_OUTS = 256;
export const MAX_AUXPOW_BYTES = 16 * 1024;
export const MAX_BUNDLE = 1_024;

export const Bytes32 = new ByteVectorType(32);
export const Bytes20 = new ByteVectorType(20);
export const BlsSignature = new ByteVectorType(96);
/**
 * A uint64 held as a JavaScript number, which is exact only up to 2^53 - 1. Decoding refuses a larger
 * one: it would come back rounded, so two different encodings would be one block with one hash, and
 * the block a peer sent would not be the block we store and serve. No height, slot, gas figure or
 * amount reaches 2^53 (a withdrawal of 2^53 gwei would be 9 million BTC).
 */
class SafeUint64Type extends UintNumberType {
  constructor() {
    super(8);
  }

  override value_deserializeFromBytes(data: { uint8Array: Uint8Array; dataView: DataView }, start: number, end: number): number {
    const v = super.value_deserializeFromBytes(data, start, end);
    if (!Number.isSafeInteger(v)) throw new RangeError(`uint64 at byte ${start} is above 2^53 - 1`);
    return v;
  }
}

export const Uint64 = new SafeUint64Type();
export const Uint256 = new UintBigintType(32);

export const WithdrawalSsz = new ContainerType({
  index: Uint64,
  validatorIndex: Uint64,
  address: Bytes20,
  /** gwei */
  amount: Uint64,
});

export const ExecutionPayloadSsz = new ContainerType({
  parentHash: Bytes32,
  feeRecipient: Bytes20,
  stateRoot: Bytes32,
  receiptsRoot: Bytes32,
  /** 256 bytes, as the Engine API's ExecutionPayloadV2 carries it (needed to hand the payload back to the EL). */
  logsBloom: new ByteVectorType(256),
  prevRandao: Bytes32,
  blockNumber: Uint64,
  gasLimit: Uint64,
  gasUsed: Uint64,
  timestamp: Uint64,
  extraData: new ByteListType(32),
  baseFeePerGas: Uint256,
  blockHash: Bytes32,
  transactions: new ListCompositeType(new ByteListType(MAX_TX_BYTES), MAX_TRANSACTIONS),
  withdrawals: new ListCompositeType(WithdrawalSsz, MAX_WITHDRAWALS),
});

export const PegInSsz = new ContainerType({
  txid: Bytes32,
  vout: new UintNumberType(4),
  evmAddress: Bytes20,
  amountSats: Uint64,
});

/** The proof of work that finalizes every block from rangeStart to rangeEnd (inclusive). */
export const AuxPowHeaderSsz = new ContainerType({
  rangeStart: Bytes32,
  rangeEnd: Bytes32,
  bits: new UintNumberType(4),
  chainId: new UintNumberType(4),
  height: Uint64,
  /** The Namecoin-style auxpow as the miner submitted it. */
  auxPow: new ByteListType(MAX_AUXPOW_BYTES),
  feeRecipient: Bytes20,
});

export const ConsensusBlockSsz = new ContainerType({
  parentHash: Bytes32,
  slot: Uint64,
  height: Uint64,
  executionPayload: ExecutionPayloadSsz,
  auxPowHeader: new OptionalType(AuxPowHeaderSsz),
  pegIns: new ListCompositeType(PegInSsz, MAX_PEG_INS),
  pegOutProposals: new ListCompositeType(new ByteListType(MAX_TX_BYTES), MAX_PEG_OUTS),
  finalizedPegOuts: new ListCompositeType(new ByteListType(MAX_TX_BYTES), MAX_PEG_OUTS),
});

/** Aggregate approvals: who approved (a bit per authority) and one aggregate BLS signature. */
export const ApprovalsSsz = new ContainerType({
  signers: new BitListType(MAX_AUTHORITIES),
  signature: BlsSignature,
});

export const SignedConsensusBlockSsz = new ContainerType({
  message: ConsensusBlockSsz,
  proposerIndex: Uint64,
  signature: BlsSignature,
  approvals: ApprovalsSsz,
});

/** One authority's approval of a block, gossiped so the proposer (or anyone) can aggregate. */
export const ApprovalSsz = new ContainerType({
  blockHash: Bytes32,
  authorityIndex: Uint64,
  signature: BlsSignature,
});

export const BlockRangeRequestSsz = new ContainerType({
  requestId: Uint64,
  startHeight: Uint64,
  count: Uint64,
});

export const BlockByHashRequestSsz = new ContainerType({
  requestId: Uint64,
  hash: Bytes32,
});
