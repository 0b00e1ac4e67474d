// What Alys and Anduro Governance say to each other, in domain form. proto/governance.proto carries
// the same messages on the wire (src/governance/wire.ts converts); the simulated governance of
// src/io/sim speaks these directly. Amounts are satoshis as bigint; bytes travel as lowercase hex.
import type { RefundClaim } from '../bridge/refund-proof.ts';

/** One input of a transaction to sign: a federation output, with what its sighash commits to. */
export interface SignInput {
  readonly index: number;
  readonly amountSats: bigint;
  readonly witnessScriptHex: string;
}

/** A peg-out governance must know before it signs a transaction paying it. */
export interface PegOutRegistration {
  readonly pegOutId: string;
  /** The Bitcoin address to pay, as the burn named it. */
  readonly destination: string;
  /** The amount burned, in satoshis; the payout is this less its share of the fee. */
  readonly amountSats: bigint;
  /** Where the burn happened: the EVM transaction and log. */
  readonly burnTxHash: string;
}

export interface SignatureRequest {
  readonly requestId: string;
  /** The unsigned transaction (no witnesses), serialized as Bitcoin does. */
  readonly txHex: string;
  readonly inputs: readonly SignInput[];
  /** The registered peg-outs this transaction pays, one output each, in output order. */
  readonly pegOutIds: readonly string[];
  /** Set for the refund of a rejected deposit: the depositor's proof (src/bridge/refund-proof.ts). */
  readonly refund?: RefundClaim;
}

export type SignatureResponse =
  | {
      readonly kind: 'signed';
      readonly requestId: string;
      /** The transaction signed: the one requested, or an earlier one that already pays these peg-outs. */
      readonly txHex: string;
      /** Witness stack per input of that transaction, in input order, each item as hex. */
      readonly witnesses: ReadonlyArray<readonly string[]>;
    }
  | {
      readonly kind: 'refused';
      readonly requestId: string;
      readonly reason: RefusalReason;
      readonly detail: string;
      /** For 'input-already-signed': the transaction that already spends the input. */
      readonly conflictingTxHex?: string;
    };

export type RefusalReason =
  | 'malformed-transaction'
  | 'unknown-input'
  | 'input-already-signed'
  | 'unregistered-peg-out'
  | 'wrong-payout'
  | 'unexpected-output'
  | 'fee-too-high'
  | 'paused'
  | 'unauthenticated'
  /** A refund whose proof does not hold, or whose output is not a rejected deposit's. */
  | 'bad-refund';

export interface FederationUpdate {
  readonly version: number;
  readonly threshold: number;
  /** Compressed secp256k1 public keys, hex, in witness-script order. */
  readonly publicKeysHex: readonly string[];
  readonly address: string;
  readonly witnessScriptHex: string;
  /** Deposits to the previous address still count until this Bitcoin height. */
  readonly previousValidUntilHeight: number;
}

export interface PegInRegistration {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly evmAddress: string;
}

export type PegStatus = 'pending' | 'confirmed' | 'signature-requested' | 'signed' | 'broadcast' | 'completed' | 'failed';

/** Alys → governance. */
export type NodeMessage =
  | { readonly kind: 'sign'; readonly messageId: string; readonly request: SignatureRequest }
  | { readonly kind: 'register-peg-out'; readonly messageId: string; readonly registration: PegOutRegistration }
  | { readonly kind: 'register-peg-in'; readonly messageId: string; readonly registration: PegInRegistration }
  | { readonly kind: 'status'; readonly messageId: string; readonly pegId: string; readonly status: PegStatus; readonly detail: string }
  | { readonly kind: 'heartbeat'; readonly messageId: string; readonly atMs: number };

/** Governance → Alys. */
export type GovernanceMessage =
  | { readonly kind: 'signature'; readonly response: SignatureResponse }
  | { readonly kind: 'ack'; readonly messageId: string }
  | { readonly kind: 'federation'; readonly update: FederationUpdate }
  | { readonly kind: 'proposal'; readonly proposalId: string; readonly action: 'emergency-pause' | 'resume' | 'other'; readonly description: string }
  | { readonly kind: 'heartbeat'; readonly atMs: number };
