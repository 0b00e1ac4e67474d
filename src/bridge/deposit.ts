// Peg-in detection: a Bitcoin transaction is a deposit when it pays a federation address and carries
// an OP_RETURN naming the EVM address to mint to (20 bytes, raw or as 0x-hex text, as deposit tools
// write it). Anything odd about a transaction that does pay the federation is a named rejection, not
// a crash: the coins are there, so an operator must be able to see why they were not minted.
import * as bitcoin from 'bitcoinjs-lib';
import { equalBytes, toHex } from '../types/hex.ts';
import type { Federation } from './federation.ts';

export interface Deposit {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  /** 0x-prefixed lowercase EVM address. */
  readonly evmAddress: string;
  /** Which federation version the output pays. */
  readonly federationVersion: number;
}

export const DepositRejection = {
  MISSING_OP_RETURN: 'DEPOSIT_MISSING_OP_RETURN',
  MALFORMED_OP_RETURN: 'DEPOSIT_MALFORMED_OP_RETURN',
  SEVERAL_OP_RETURNS: 'DEPOSIT_SEVERAL_OP_RETURNS',
  ZERO_AMOUNT: 'DEPOSIT_ZERO_AMOUNT',
  UNDECODABLE_TX: 'DEPOSIT_UNDECODABLE_TX',
} as const;
export type DepositRejection = (typeof DepositRejection)[keyof typeof DepositRejection];

export type DepositScan =
  | { readonly kind: 'not-a-deposit' }
  /** The federation spending its own outputs (a peg-out, a sweep): its outputs to us are change. */
  | { readonly kind: 'federation-spend' }
  | { readonly kind: 'deposits'; readonly deposits: readonly Deposit[] }
  | {
      readonly kind: 'rejected';
      readonly txid: string;
      readonly reason: DepositRejection;
      readonly detail: string;
      /** The outputs paying a federation: never minted, kept apart for a refund. */
      readonly outputs: ReadonlyArray<{ readonly vout: number; readonly amountSats: bigint; readonly federationVersion: number }>;
    };

const OP_RETURN = bitcoin.opcodes.OP_RETURN as number;
const dec = new TextDecoder('utf-8', { fatal: false });

/** The EVM address an OP_RETURN payload names, or why it names none. */
export function evmAddressOf(payload: Uint8Array): { ok: true; address: string } | { ok: false; detail: string } {
  if (payload.length === 20) return { ok: true, address: `0x${toHex(payload)}` };
  const text = dec.decode(payload).trim();
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return { ok: true, address: text.toLowerCase() };
  return { ok: false, detail: `OP_RETURN holds ${payload.length} bytes, not a 20-byte or 0x-hex EVM address` };
}

/**
 * Scans one transaction for outputs paying any of `federations` (current and still-valid old ones).
 * A transaction whose inputs are signed with any federation's witness script (`known`) is the
 * federation's own spend, not a deposit.
 */
export function scanDeposit(tx: bitcoin.Transaction | Uint8Array, federations: readonly Federation[], known: readonly Federation[] = federations): DepositScan {
  let t: bitcoin.Transaction;
  try {
    t = tx instanceof Uint8Array ? bitcoin.Transaction.fromBuffer(tx) : tx;
  } catch (err) {
    return { kind: 'rejected', txid: '?', reason: DepositRejection.UNDECODABLE_TX, detail: (err as Error).message, outputs: [] };
  }
  if (t.ins.some((i) => i.witness.length > 0 && known.some((f) => equalBytes(f.witnessScript, i.witness[i.witness.length - 1] as Uint8Array)))) {
    return { kind: 'federation-spend' };
  }
  const paying: Array<{ vout: number; value: bigint; version: number }> = [];
  const opReturns: Uint8Array[] = [];
  t.outs.forEach((o, vout) => {
    const f = federations.find((fed) => equalBytes(fed.scriptPubKey, o.script));
    if (f !== undefined) paying.push({ vout, value: o.value, version: f.version });
    else if (o.script[0] === OP_RETURN) {
      const chunks = bitcoin.script.decompile(o.script);
      const data = chunks?.slice(1).filter((c): c is Uint8Array => c instanceof Uint8Array) ?? [];
      opReturns.push(data.length === 1 ? (data[0] as Uint8Array) : new Uint8Array(0));
    }
  });
  if (paying.length === 0) return { kind: 'not-a-deposit' };
  const txid = t.getId();
  const outputs = paying.map((p) => ({ vout: p.vout, amountSats: p.value, federationVersion: p.version }));
  if (opReturns.length === 0) return { kind: 'rejected', txid, outputs, reason: DepositRejection.MISSING_OP_RETURN, detail: 'pays the federation without an OP_RETURN naming an EVM address' };
  if (opReturns.length > 1) return { kind: 'rejected', txid, outputs, reason: DepositRejection.SEVERAL_OP_RETURNS, detail: `${opReturns.length} OP_RETURN outputs: which address to mint to is ambiguous` };
  const addr = evmAddressOf(opReturns[0] as Uint8Array);
  if (!addr.ok) return { kind: 'rejected', txid, outputs, reason: DepositRejection.MALFORMED_OP_RETURN, detail: addr.detail };
  if (paying.every((p) => p.value === 0n)) return { kind: 'rejected', txid, outputs, reason: DepositRejection.ZERO_AMOUNT, detail: 'pays the federation 0 satoshis' };
  return {
    kind: 'deposits',
    deposits: paying.filter((p) => p.value > 0n).map((p) => ({ txid, vout: p.vout, amountSats: p.value, evmAddress: addr.address, federationVersion: p.version })),
  };
}

export const outpointKey = (txid: string, vout: number): string => `${txid}:${vout}`;
