// Governance's rule for refunds, apart from the signer's peg-out rules: it signs the refund of a
// rejected deposit only when the depositor's proof holds against the deposit transaction itself
// (not against anything the node says), and the transaction spends exactly that output to the
// proven address for a bounded fee. The signer's record of spent outputs makes it a refund once.
import * as bitcoin from 'bitcoinjs-lib';
import type { BitcoinNetworkName, Federation } from '../bridge/federation.ts';
import { outpointOf } from '../bridge/pegout-tx.ts';
import { type CheckedClaim, checkRefundClaim } from '../bridge/refund-proof.ts';
import { checkRefundTx } from '../bridge/refund-tx.ts';
import { equalBytes, fromHex } from '../types/hex.ts';
import type { RefusalReason, SignatureRequest } from './messages.ts';

export function refundRefusal(
  req: SignatureRequest,
  tx: bitcoin.Transaction,
  o: { readonly federations: readonly Federation[]; readonly network: BitcoinNetworkName; readonly maxFeeSats: bigint },
): { ok: true; claim: CheckedClaim } | { ok: false; reason: RefusalReason; detail: string } {
  const claim = req.refund;
  if (claim === undefined) return { ok: false, reason: 'malformed-transaction', detail: 'not a refund' };
  if (req.pegOutIds.length > 0) return { ok: false, reason: 'malformed-transaction', detail: 'a refund pays no peg-out' };
  const input = tx.ins[0];
  if (input === undefined) return { ok: false, reason: 'malformed-transaction', detail: 'a refund has one input' };
  const txid = outpointOf(input).split(':')[0] as string;
  const checked = checkRefundClaim(claim, o.federations, o.network, txid);
  if (!checked.ok) return { ok: false, reason: 'bad-refund', detail: checked.error };
  const c = checked.claim;
  const d = req.inputs[0];
  if (req.inputs.length !== 1 || d === undefined || d.index !== 0 || d.amountSats !== c.amountSats || !equalBytes(fromHex(d.witnessScriptHex), c.federation.witnessScript)) {
    return { ok: false, reason: 'malformed-transaction', detail: `the input description is not output ${c.vout} of ${c.txid} (${c.amountSats} satoshis to federation v${c.federation.version})` };
  }
  const bad = checkRefundTx(tx, { txid: c.txid, vout: c.vout, amountSats: c.amountSats, outputScript: c.outputScript, maxFeeSats: o.maxFeeSats });
  if (bad !== undefined) return { ok: false, reason: 'bad-refund', detail: bad };
  return { ok: true, claim: c };
}
