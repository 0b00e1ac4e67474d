// The refund of a rejected deposit: one input (the deposit's output to the federation), one output
// (the address the depositor proved), and the fee, at the fee rate Bitcoin estimates for the
// transaction's size, taken out of the refund. The node builds it; governance checks the same shape
// before it signs (checkRefundTx), so neither can pay anyone else or take more than a bounded fee.
import * as bitcoin from 'bitcoinjs-lib';
import { DUST_SATS, estimateVsize, outpointOf } from './pegout-tx.ts';
import { equalBytes, fromHex } from '../types/hex.ts';

export function buildRefundTx(o: {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly witnessScript: Uint8Array;
  readonly threshold: number;
  readonly outputScript: Uint8Array;
  readonly feeRateSatPerVb: bigint;
}): { ok: true; tx: bitcoin.Transaction; feeSats: bigint } | { ok: false; error: string } {
  const fee = BigInt(estimateVsize([{ witnessScript: o.witnessScript }], [o.outputScript], o.threshold)) * o.feeRateSatPerVb;
  const value = o.amountSats - fee;
  if (value < DUST_SATS) return { ok: false, error: `the deposit of ${o.amountSats} satoshis cannot pay its refund's fee of ${fee} and leave more than dust (${DUST_SATS})` };
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  tx.addInput(fromHex(o.txid).reverse(), o.vout, 0xfffffffd);
  tx.addOutput(o.outputScript, value);
  return { ok: true, tx, feeSats: fee };
}

/** Undefined when `tx` refunds exactly txid:vout (worth amountSats) to outputScript for at most maxFeeSats. */
export function checkRefundTx(tx: bitcoin.Transaction, o: { readonly txid: string; readonly vout: number; readonly amountSats: bigint; readonly outputScript: Uint8Array; readonly maxFeeSats: bigint }): string | undefined {
  if (tx.ins.length !== 1 || outpointOf(tx.ins[0] as bitcoin.Transaction['ins'][number]) !== `${o.txid}:${o.vout}`) return `a refund spends exactly ${o.txid}:${o.vout}`;
  const out = tx.outs[0];
  if (tx.outs.length !== 1 || out === undefined || !equalBytes(out.script, o.outputScript)) return 'a refund pays exactly one output, to the proven address';
  const fee = o.amountSats - out.value;
  if (fee <= 0n) return `the refund pays ${out.value}, not less than the deposit's ${o.amountSats}`;
  if (fee > o.maxFeeSats) return `fee ${fee} exceeds ${o.maxFeeSats} satoshis`;
  if (out.value < DUST_SATS) return `the refund of ${out.value} satoshis is dust`;
  return undefined;
}
