// What the peg's invariants read of the world outside the nodes: Bitcoin's main chain, governance's
// signing record and federations, and the users' ledger. The simulated world hands its own objects
// (SimBitcoin, SimGovernance, the workload's ledger: BridgeShared satisfies this as it is); the
// nemesis on a real devnet (harness/nemesis) builds the same records from btcd, the governance
// server's state file and its users' driver, so one checker judges both.
import type * as bitcoin from 'bitcoinjs-lib';
import type { Federation } from '../../src/bridge/federation.ts';
import type { SignedState } from '../../src/governance/signer.ts';
import type { LedgerBurn, LedgerDeposit } from './shared.ts';
import { type BridgeShared, SHARED_KEY } from './shared.ts';

export interface BitcoinObservation {
  readonly height: number;
  /** Main-chain blocks by height (only the hash is read). */
  readonly blocks: ReadonlyArray<{ readonly hash: string }>;
  /** The going fee rate the payouts' fees are judged against. */
  readonly feeRateSatPerVb: bigint;
  idOf(tx: bitcoin.Transaction): string;
  /** Every transaction in the main chain, with the height it is in. */
  confirmedTxs(): Iterable<{ readonly tx: bitcoin.Transaction; readonly height: number }>;
  /** Confirmations of a transaction (0 in the mempool), undefined when unknown. */
  confirmations(txid: string): number | undefined;
  listUnspent(scriptPubKey: Uint8Array, minConfirmations: number): ReadonlyArray<{ readonly confirmations: number }>;
  /** Not in the main chain and one of its inputs already spent there (or gone): it can never confirm. */
  canNeverConfirm(tx: bitcoin.Transaction): boolean;
}

export interface PegObservation {
  readonly bitcoin: BitcoinObservation;
  readonly governance: { readonly signer: { readonly federations: readonly Federation[]; signedState(): SignedState } };
  readonly ledger: { readonly deposits: readonly LedgerDeposit[]; readonly burns: readonly LedgerBurn[] };
  /** Federation version → last Bitcoin height at which deposits to it still count (after a rotation). */
  readonly graceUntil: ReadonlyMap<number, number>;
}

/** The observation a check context carries under the bridge's shared key, if any. */
export const pegObservation = (m: ReadonlyMap<string, unknown> | undefined): PegObservation | undefined => m?.get(SHARED_KEY) as PegObservation | undefined;

/** The simulated world's shared objects are an observation as they are (the compiler checks it). */
export const simObservation = (s: BridgeShared): PegObservation => s;
