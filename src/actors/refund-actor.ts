// RefundActor: gives a rejected deposit's output back to its depositor, with governance's signature.
// The depositor proves control of one of the deposit's input keys (src/bridge/refund-proof.ts); the
// node checks the proof, builds the refund (src/bridge/refund-tx.ts), keeps it on disk, asks
// governance (which checks the proof again and signs once per output), checks the witnesses,
// broadcasts and follows confirmations. Each step is written before it is taken, so a crash
// resumes the refund; governance's record of spent outputs keeps it to one.
import * as bitcoin from 'bitcoinjs-lib';
import type { BitcoinNetworkName } from '../bridge/federation.ts';
import { type RefundRecord, REFUND_PREFIX, decodeRefund, encodeRefund, refundKey } from '../bridge/refund-record.ts';
import { checkRefundClaim } from '../bridge/refund-proof.ts';
import { buildRefundTx } from '../bridge/refund-tx.ts';
import { applyWitnesses } from '../bridge/witness.ts';
import type { NodeMessage, SignatureResponse } from '../governance/messages.ts';
import type { BitcoinClient } from '../io/bitcoin.ts';
import type { StorageIO } from '../io/storage.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import { errorLine } from '../kernel/errors.ts';
import type { Ask } from '../kernel/message.ts';
import { fromHex, toHex } from '../types/hex.ts';
import type { RejectedLookup } from './peg-in-actor.ts';
import { streamActorName } from './stream-actor.ts';

export const refundActorName = 'refund';

export interface RefundRequest {
  readonly txid: string;
  readonly vout: number;
  readonly address: string;
  /** BIP-137, base64, over refundMessage(txid, vout, address). */
  readonly signature: string;
}

export type RefundAnswer = { readonly ok: true; readonly refund: RefundRecord } | { readonly ok: false; readonly error: string };

export type RefundMsg =
  | Ask<{ readonly type: 'request' } & RefundRequest, RefundAnswer>
  | Ask<{ readonly type: 'refunds'; readonly txid: string }, readonly RefundRecord[]>
  | { readonly type: 'governance'; readonly response: SignatureResponse }
  | { readonly type: 'tick' };

export interface RefundDeps {
  readonly storage: StorageIO;
  readonly bitcoin: BitcoinClient;
  readonly network: BitcoinNetworkName;
  /** The rejected deposit's record and every federation known (the peg-in scanner's). */
  readonly rejected: (txid: string) => Promise<RejectedLookup>;
  /** To governance, over the stream. */
  readonly send: (m: NodeMessage) => void;
  /** Confirmations after which a refund counts as done. */
  readonly confirmations: number;
  readonly reaskAfterMs: number;
  readonly tickEveryMs: number;
  readonly sometimes: (probe: string) => void;
  readonly log?: (line: string) => void;
}

export function refundActor(d: RefundDeps): ActorSpec<RefundMsg> {
  return actor<RefundMsg>({
    name: refundActorName,
    dependsOn: [streamActorName],
    mailbox: { capacity: 1_024, overflow: 'reject' },
    create: (ctx) => new RefundNode(ctx, d).behavior(),
  });
}

const outpoint = (txid: string, vout: number): string => `${txid}:${vout}`;

class RefundNode {
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly askedAt = new Map<string, number>();

  constructor(
    private readonly ctx: ActorContext<RefundMsg>,
    private readonly d: RefundDeps,
  ) {}

  behavior() {
    return {
      onStart: async () => {
        for (const [, v] of await this.d.storage.scan(REFUND_PREFIX)) {
          const r = decodeRefund(v);
          if (r !== undefined) this.refunds.set(outpoint(r.txid, r.vout), r);
        }
        this.ctx.self.tell({ type: 'tick' });
      },
      handlers: {
        request: (m: RefundRequest) => this.request(m),
        refunds: (m: { txid: string }): readonly RefundRecord[] => [...this.refunds.values()].filter((r) => r.txid === m.txid).sort((a, b) => a.vout - b.vout),
        governance: (m: { response: SignatureResponse }) => this.onAnswer(m.response),
        tick: async () => {
          try {
            await this.drive();
          } catch (err) {
            // Bitcoin or storage unavailable: the next tick tries again.
            this.d.sometimes('refund.tick-failed');
            this.d.log?.(`refund: ${errorLine(err)}`);
          }
          this.ctx.setTimer(this.d.tickEveryMs, { type: 'tick' });
        },
      },
    };
  }

  private async save(r: RefundRecord): Promise<void> {
    await this.d.storage.write([{ type: 'put', key: refundKey(r.txid, r.vout), value: encodeRefund(r) }], { sync: true });
    this.refunds.set(outpoint(r.txid, r.vout), r);
  }

  private async request(m: RefundRequest): Promise<RefundAnswer> {
    const key = outpoint(m.txid, m.vout);
    const had = this.refunds.get(key);
    if (had?.state === 'refunded') return { ok: false, error: `${key} is already refunded, by ${had.refundTxid}` };
    if (had !== undefined && had.state !== 'refused') return { ok: false, error: `a refund of ${key} to ${had.address} is already under way (${had.state}, ${had.refundTxid})` };
    const { record, valid, federations } = await this.d.rejected(m.txid);
    if (valid) return { ok: false, error: `${m.txid} is a valid deposit (minted on Alys), not a rejected one: it has no refund` };
    if (record === undefined) return { ok: false, error: `${m.txid} is not a rejected deposit this node knows (getdeposit ${m.txid} says what it is)` };
    const out = record.outputs.find((o) => o.vout === m.vout);
    if (out === undefined) return { ok: false, error: `output ${m.vout} of rejected deposit ${m.txid} pays no federation (its outputs to the federation: ${record.outputs.map((o) => o.vout).join(', ')})` };
    const checked = checkRefundClaim({ depositTxHex: record.txHex, vout: m.vout, address: m.address, signature: m.signature }, federations, this.d.network, m.txid);
    if (!checked.ok) return { ok: false, error: checked.error };
    const c = checked.claim;
    const unspent = await this.d.bitcoin.listUnspent(c.federation.scriptPubKey, 0);
    if (!unspent.some((u) => u.txid === m.txid && u.vout === m.vout)) return { ok: false, error: `${key} is not unspent on Bitcoin: nothing is left to refund` };
    const built = buildRefundTx({
      txid: c.txid,
      vout: c.vout,
      amountSats: c.amountSats,
      witnessScript: c.federation.witnessScript,
      threshold: c.federation.threshold,
      outputScript: c.outputScript,
      feeRateSatPerVb: await this.d.bitcoin.estimateFeeRate(),
    });
    if (!built.ok) return { ok: false, error: built.error };
    const attempts = (had?.attempts ?? 0) + 1;
    const r: RefundRecord = {
      txid: c.txid,
      vout: c.vout,
      amountSats: c.amountSats,
      address: m.address,
      signature: m.signature,
      depositTxHex: record.txHex,
      witnessScriptHex: toHex(c.federation.witnessScript),
      txHex: built.tx.toHex(),
      refundTxid: built.tx.getId(),
      feeSats: built.feeSats,
      state: 'requested',
      requestId: `refund:${key}#${attempts}`,
      attempts,
    };
    // Kept before it is asked: after a crash the request goes out again.
    await this.save(r);
    this.ask(r);
    this.d.sometimes('refund.requested');
    this.d.log?.(`refund of ${key} (${c.amountSats} satoshis, ${c.reason}) to ${m.address} asked of governance: ${r.refundTxid}, fee ${built.feeSats}`);
    return { ok: true, refund: r };
  }

  private ask(r: RefundRecord): void {
    this.askedAt.set(outpoint(r.txid, r.vout), this.ctx.clock.now());
    this.d.send({
      kind: 'sign',
      messageId: `sign:${r.requestId}`,
      request: {
        requestId: r.requestId,
        txHex: r.txHex,
        inputs: [{ index: 0, amountSats: r.amountSats, witnessScriptHex: r.witnessScriptHex }],
        pegOutIds: [],
        refund: { depositTxHex: r.depositTxHex, vout: r.vout, address: r.address, signature: r.signature },
      },
    });
  }

  private async onAnswer(a: SignatureResponse): Promise<void> {
    const r = [...this.refunds.values()].find((x) => x.requestId === a.requestId);
    if (r === undefined || r.state !== 'requested') {
      this.d.sometimes('refund.stale-answer');
      return;
    }
    const key = outpoint(r.txid, r.vout);
    if (a.kind === 'refused') {
      this.d.log?.(`refund of ${key}: governance refused: ${a.reason}: ${a.detail}`);
      this.d.sometimes('refund.refused');
      await this.save({ ...r, state: 'refused', refusal: `${a.reason}: ${a.detail}` });
      return;
    }
    let answered: string;
    try {
      answered = bitcoin.Transaction.fromHex(a.txHex).getId();
    } catch {
      answered = '';
    }
    const applied = answered === r.refundTxid ? applyWitnesses(a.txHex, [{ amountSats: r.amountSats, witnessScript: fromHex(r.witnessScriptHex) }], a.witnesses) : undefined;
    if (applied === undefined || !applied.ok) {
      // Not what we asked for, or witnesses that do not verify: asked again after the re-ask period.
      this.d.sometimes('refund.bad-answer');
      this.d.log?.(`refund of ${key}: governance's answer refused: ${applied === undefined ? `it signed ${answered}, not ${r.refundTxid}` : applied.error}`);
      return;
    }
    await this.save({ ...r, state: 'signed', signedTxHex: applied.tx.toHex() });
    await this.broadcast(this.refunds.get(key) as RefundRecord);
  }

  private async broadcast(r: RefundRecord): Promise<void> {
    try {
      await this.d.bitcoin.sendRawTransaction(r.signedTxHex as string);
    } catch (err) {
      // Already in the chain (a rebroadcast after a crash) is fine; anything else is tried again.
      if ((await this.d.bitcoin.getConfirmations(r.refundTxid)) === undefined) throw err;
    }
    if (r.state !== 'broadcast') await this.save({ ...r, state: 'broadcast' });
    this.d.sometimes('refund.broadcast');
    this.d.log?.(`refund of ${r.txid}:${r.vout} broadcast: ${r.refundTxid} pays ${r.amountSats - r.feeSats} satoshis to ${r.address}`);
  }

  private async drive(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const r of [...this.refunds.values()]) {
      const key = outpoint(r.txid, r.vout);
      switch (r.state) {
        case 'requested':
          if (now - (this.askedAt.get(key) ?? Number.NEGATIVE_INFINITY) >= this.d.reaskAfterMs) {
            // A new request id, so the stream's duplicate filter lets the next answer through.
            const next = { ...r, attempts: r.attempts + 1, requestId: `refund:${key}#${r.attempts + 1}` };
            await this.save(next);
            this.ask(next);
          }
          break;
        case 'signed':
          await this.broadcast(r);
          break;
        case 'broadcast': {
          const c = await this.d.bitcoin.getConfirmations(r.refundTxid);
          if (c === undefined) await this.broadcast(r);
          else if (c >= this.d.confirmations) {
            await this.save({ ...r, state: 'refunded' });
            this.d.sometimes('refund.completed');
            this.d.log?.(`refund of ${key} confirmed: ${r.refundTxid} (${c} confirmations)`);
          }
          break;
        }
        case 'refunded':
        case 'refused':
          break;
      }
    }
  }
}
