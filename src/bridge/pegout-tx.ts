// Builds the unsigned peg-out transaction: federation UTXOs in, one output per peg-out (its amount
// less an equal share of the fee, as burns pay for their own payout), change back to the current
// federation. Coin selection is deterministic (largest first, then by outpoint) so that every node
// builds the same transaction for the same peg-outs and governance sees one spend, not several.
import * as bitcoin from 'bitcoinjs-lib';
import { compareBytes, fromHex, toHex } from '../types/hex.ts';

export interface FederationUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  /** The witness script of the federation version the output pays. */
  readonly witnessScript: Uint8Array;
}

export interface PayOut {
  readonly pegOutId: string;
  readonly script: Uint8Array;
  readonly amountSats: bigint;
}

export interface BuiltPegOut {
  readonly tx: bitcoin.Transaction;
  readonly inputs: readonly FederationUtxo[];
  readonly feeSats: bigint;
  /** What each peg-out receives, in output order (outputs 0…k-1). */
  readonly payouts: ReadonlyArray<{ readonly pegOutId: string; readonly valueSats: bigint }>;
  readonly changeSats: bigint;
}

export type BuildError =
  | { readonly code: 'INSUFFICIENT_FUNDS'; readonly detail: string }
  | { readonly code: 'PAYOUT_BELOW_DUST'; readonly detail: string; readonly pegOutId: string }
  | { readonly code: 'NOTHING_TO_PAY'; readonly detail: string };

export const DUST_SATS = 546n;

/**
 * How far above our own estimate (at the current fee rate) the fee of a peg-out transaction built
 * by someone else may be before we refuse it: every satoshi of fee comes out of the user's payout.
 */
export const FEE_TOLERANCE_PERCENT = 125n;

/** Weight units of one m-of-n P2WSH input: 41 bytes ×4, plus the witness (dummy, m sigs, script). */
function inputWeight(witnessScript: Uint8Array, m: number): number {
  return 41 * 4 + 1 + 1 + m * 73 + 1 + witnessScript.length;
}

const outputWeight = (script: Uint8Array): number => (8 + 1 + script.length) * 4;

export function estimateVsize(inputs: ReadonlyArray<{ witnessScript: Uint8Array }>, outputScripts: readonly Uint8Array[], m: number): number {
  const weight = (4 + 4 + 1 + 1) * 4 + 2 + inputs.reduce((w, i) => w + inputWeight(i.witnessScript, m), 0) + outputScripts.reduce((w, s) => w + outputWeight(s), 0);
  return Math.ceil(weight / 4);
}

export function buildPegOutTx(o: {
  readonly utxos: readonly FederationUtxo[];
  readonly pegOuts: readonly PayOut[];
  readonly feeRateSatPerVb: bigint;
  readonly changeScript: Uint8Array;
  readonly threshold: number;
}): { ok: true; built: BuiltPegOut } | { ok: false; error: BuildError } {
  if (o.pegOuts.length === 0) return { ok: false, error: { code: 'NOTHING_TO_PAY', detail: 'no peg-outs' } };
  const owed = o.pegOuts.reduce((s, p) => s + p.amountSats, 0n);
  const sorted = [...o.utxos].sort((a, b) => (a.amountSats === b.amountSats ? compareBytes(fromHex(a.txid), fromHex(b.txid)) || a.vout - b.vout : a.amountSats > b.amountSats ? -1 : 1));
  const chosen: FederationUtxo[] = [];
  let have = 0n;
  for (const u of sorted) {
    if (have >= owed) break;
    chosen.push(u);
    have += u.amountSats;
  }
  if (have < owed) return { ok: false, error: { code: 'INSUFFICIENT_FUNDS', detail: `federation holds ${have} spendable satoshis, peg-outs need ${owed}` } };
  const change = have - owed;
  const withChange = change >= DUST_SATS;
  const scripts = [...o.pegOuts.map((p) => p.script), ...(withChange ? [o.changeScript] : [])];
  const estimated = BigInt(estimateVsize(chosen, scripts, o.threshold)) * o.feeRateSatPerVb;
  // Change below dust is not worth an output: it goes to the miner on top of the fee.
  const fee = withChange ? estimated : estimated + change;
  const k = BigInt(o.pegOuts.length);
  const share = fee / k;
  const payouts = o.pegOuts.map((p, i) => ({ pegOutId: p.pegOutId, valueSats: p.amountSats - share - (i === 0 ? fee - share * k : 0n) }));
  for (const p of payouts) {
    if (p.valueSats < DUST_SATS) return { ok: false, error: { code: 'PAYOUT_BELOW_DUST', pegOutId: p.pegOutId, detail: `peg-out ${p.pegOutId} would receive ${p.valueSats} satoshis after its fee share` } };
  }
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  for (const u of chosen) tx.addInput(fromHex(u.txid).reverse(), u.vout, 0xfffffffd);
  o.pegOuts.forEach((p, i) => tx.addOutput(p.script, (payouts[i] as { valueSats: bigint }).valueSats));
  if (withChange) tx.addOutput(o.changeScript, change);
  return { ok: true, built: { tx, inputs: chosen, feeSats: fee, payouts, changeSats: withChange ? change : 0n } };
}

/** The outpoint an input spends, as txid:vout (txid in the usual display order). */
export function outpointOf(input: { hash: Uint8Array; index: number }): string {
  return `${toHex(Uint8Array.from(input.hash).reverse())}:${input.index}`;
}
