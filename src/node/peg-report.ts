// What the node tells operators and users about the peg: one deposit (getdeposit), one burn
// (getpegout), the peg's part of status, and the counters /metrics exports. Pure functions over the
// bridge's view, the peg-in scanner's answers and the chain view, so that the RPC, the status line
// and the metrics say the same thing.
import * as bitcoin from 'bitcoinjs-lib';
import type { BridgeView } from '../actors/bridge-actor.ts';
import type { DepositLookup, PegInStats } from '../actors/peg-in-actor.ts';
import { outpointKey } from '../bridge/deposit.ts';
import type { PegOutOperation } from '../bridge/peg-operation.ts';
import type { RefundRecord } from '../bridge/refund-record.ts';
import type { ChainView } from '../chain/chain-view.ts';

/** The fee a peg-out's payout paid: its inputs less its outputs (undefined before it is signed). */
export function payoutFeeSats(op: PegOutOperation): bigint | undefined {
  if (op.signedTxHex === undefined || op.inputs === undefined) return undefined;
  try {
    const tx = bitcoin.Transaction.fromHex(op.signedTxHex);
    return op.inputs.reduce((t, i) => t + i.amountSats, 0n) - tx.outs.reduce((t, o) => t + o.value, 0n);
  } catch {
    return undefined;
  }
}

/** getpegout: every operation of one burn transaction (one per RequestPegOut log), or null. */
export function pegOutReport(view: BridgeView | undefined, burnTxHash: string): Array<Record<string, unknown>> | null {
  const want = burnTxHash.toLowerCase();
  const ops = (view?.operations ?? []).filter((o) => o.burnTxHash.toLowerCase() === want);
  if (ops.length === 0) return null;
  return ops.map((op) => {
    const fee = payoutFeeSats(op);
    return {
      id: op.id,
      state: op.status,
      destination: op.destination,
      amountSats: op.amountSats.toString(),
      burnBlockHeight: op.blockHeight,
      payoutTxid: op.txid ?? null,
      feeSats: fee === undefined ? null : fee.toString(),
      ...(op.refusal !== undefined ? { refused: op.refusal } : {}),
      ...(op.failure !== undefined ? { failure: op.failure } : {}),
    };
  });
}

/** The hash of the block of `chain` that minted an outpoint, if any. */
function mintedBy(chain: ChainView | undefined, key: string): string | undefined {
  if (chain === undefined) return undefined;
  for (const [hash, keys] of chain.mintedIn) if (keys.includes(key)) return hash;
  return undefined;
}

/** One refund of a rejected deposit's output, as getdeposit and requestrefund show it. */
export function refundJson(r: RefundRecord): Record<string, unknown> {
  return {
    vout: r.vout,
    state: r.state,
    address: r.address,
    refundTxid: r.refundTxid,
    amountSats: r.amountSats.toString(),
    feeSats: r.feeSats.toString(),
    ...(r.refusal !== undefined ? { refusal: r.refusal } : {}),
  };
}

/**
 * getdeposit: found (confirmations, minted in which block), rejected (reason; its outputs and their
 * refunds) or refunded (every output it paid the federation refunded and confirmed), or unknown.
 */
export function depositReport(lookup: DepositLookup, chain: ChainView | undefined, requiredConfirmations: number, refunds: readonly RefundRecord[] = []): Record<string, unknown> {
  switch (lookup.kind) {
    case 'unknown':
      return { state: 'unknown', scannedHeight: lookup.scannedHeight };
    case 'rejected': {
      const outputs = (lookup.outputs ?? []).map((o) => {
        const r = refunds.find((x) => x.vout === o.vout);
        return { vout: o.vout, amountSats: o.amountSats.toString(), refund: r === undefined ? null : refundJson(r) };
      });
      const refunded = outputs.length > 0 && outputs.every((o) => o.refund?.state === 'refunded');
      return {
        state: refunded ? 'refunded' : 'rejected',
        reason: lookup.reason,
        detail: lookup.detail,
        bitcoinHeight: lookup.height,
        confirmations: lookup.confirmations,
        outputs,
        ...(refunded ? { refundTxids: outputs.map((o) => o.refund?.refundTxid) } : {}),
      };
    }
    case 'found':
      return {
        state: 'found',
        bitcoinHeight: lookup.height,
        confirmations: lookup.confirmations,
        requiredConfirmations,
        deposits: lookup.deposits.map((d) => {
          const block = mintedBy(chain, outpointKey(d.txid, d.vout));
          return { vout: d.vout, amountSats: d.amountSats.toString(), evmAddress: d.evmAddress, mintedInBlock: block ?? null, finalized: block !== undefined && (chain?.finalized.includes(block) ?? false) };
        }),
      };
  }
}

export interface PegCounters {
  readonly depositsFound: number;
  readonly depositsMinted: number;
  readonly depositsRejected: Readonly<Record<string, number>>;
  readonly pegOutsByState: Readonly<Record<string, number>>;
  readonly pegOutsRefused: Readonly<Record<string, number>>;
  readonly payoutFeesSats: bigint;
}

/** The peg's counters, from the bridge's operations, the scanner's stats and the chain's mints. */
export function pegCounters(view: BridgeView | undefined, pegIn: PegInStats | undefined, chain: ChainView | undefined): PegCounters {
  const byState: Record<string, number> = {};
  const refused: Record<string, number> = {};
  let fees = 0n;
  for (const op of view?.operations ?? []) {
    byState[op.status] = (byState[op.status] ?? 0) + 1;
    if (op.refusal !== undefined) refused[op.refusal.reason] = (refused[op.refusal.reason] ?? 0) + 1;
    if (op.status === 'completed' || op.status === 'broadcast') fees += payoutFeeSats(op) ?? 0n;
  }
  let minted = 0;
  for (const hash of chain?.finalized ?? []) minted += chain?.mintedIn.get(hash)?.length ?? 0;
  return { depositsFound: pegIn?.found ?? 0, depositsMinted: minted, depositsRejected: pegIn?.rejected ?? {}, pegOutsByState: byState, pegOutsRefused: refused, payoutFeesSats: fees };
}

/** status.pegs: peg-ins as well as peg-outs. */
export function pegsStatus(view: BridgeView | undefined, c: PegCounters): Record<string, unknown> | null {
  if (view === undefined) return null;
  const rejected = Object.values(c.depositsRejected).reduce((t, n) => t + n, 0);
  return {
    // False until the bridge has loaded its operations from disk after a start.
    recovered: view.recovered,
    pegIns: { found: c.depositsFound, minted: c.depositsMinted, rejected },
    pegOuts: { operations: view.operations.length, completed: c.pegOutsByState.completed ?? 0, refused: c.pegOutsByState.refused ?? 0, byState: c.pegOutsByState },
    operations: view.operations.length,
    completed: c.pegOutsByState.completed ?? 0,
    paused: view.paused,
  };
}
