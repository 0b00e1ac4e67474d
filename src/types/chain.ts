// The chain's value types, derived from their SSZ schemas so that the types and the encoding can
// never disagree.
import type { ValueOf } from '@chainsafe/ssz';
import type {
  ApprovalSsz,
  ApprovalsSsz,
  AuxPowHeaderSsz,
  ConsensusBlockSsz,
  ExecutionPayloadSsz,
  PegInSsz,
  SignedConsensusBlockSsz,
  WithdrawalSsz,
} from './ssz.ts';

export type Hash = Uint8Array;
export type Withdrawal = ValueOf<typeof WithdrawalSsz>;
export type ExecutionPayload = ValueOf<typeof ExecutionPayloadSsz>;
export type PegIn = ValueOf<typeof PegInSsz>;
export type AuxPowHeader = ValueOf<typeof AuxPowHeaderSsz>;
export type ConsensusBlock = ValueOf<typeof ConsensusBlockSsz>;
export type Approvals = ValueOf<typeof ApprovalsSsz>;
export type SignedConsensusBlock = ValueOf<typeof SignedConsensusBlockSsz>;
export type Approval = ValueOf<typeof ApprovalSsz>;
