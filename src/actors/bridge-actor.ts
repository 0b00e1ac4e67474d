// BridgeActor: carries every peg-out from a finalized burn to a confirmed Bitcoin payout. Each one is
// a persisted PegOutOperation (src/bridge/peg-operation.ts), written before the step it records is
// taken, so a crash at any point resumes it and never starts it twice. It selects federation UTXOs,
// builds the unsigned transaction, registers the peg-out with governance and asks for witnesses over
// the StreamActor, checks what comes back (witnesses and payout) before broadcasting, and follows
// confirmations. Every authority runs it; governance signs one transaction per peg-out and answers
// each of them with that one, so the payout happens once.
import * as bitcoin from 'bitcoinjs-lib';
import { type Federation, federationFromHex, scriptOfAddress, type BitcoinNetworkName } from '../bridge/federation.ts';
import { FEDERATION_PREFIX, decodeFederationRecord, encodeFederationRecord, federationKey } from '../bridge/federation-record.ts';
import { PegOut, type PegOutOperation, decodePegOut, encodePegOut } from '../bridge/peg-operation.ts';
import type { PegOutRequest, RefusedPegOut } from '../bridge/pegout-request.ts';
import { FEE_TOLERANCE_PERCENT, type FederationUtxo, buildPegOutTx, estimateVsize, outpointOf } from '../bridge/pegout-tx.ts';
import { applyWitnesses } from '../bridge/witness.ts';
import type { FederationUpdate, SignatureResponse } from '../governance/messages.ts';
import type { BitcoinClient, UnspentOutput } from '../io/bitcoin.ts';
import type { StorageIO } from '../io/storage.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import { errorLine } from '../kernel/errors.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import type { Ask } from '../kernel/message.ts';
import { fromHex, toHex } from '../types/hex.ts';
import type { GovernanceInbound, StreamMsg } from './stream-actor.ts';
import { streamActorName } from './stream-actor.ts';

export const bridgeActorName = 'bridge';

export type BridgeMsg =
  | Ask<{ readonly type: 'peg-outs'; readonly requests: readonly PegOutRequest[]; readonly refused?: readonly RefusedPegOut[]; readonly blockHeight: number }, number>
  | { readonly type: 'tick' }
  | { readonly type: 'governance'; readonly message: GovernanceInbound };

export interface BridgeView {
  readonly recovered: boolean;
  readonly operations: readonly PegOutOperation[];
  readonly paused: boolean;
  readonly federationVersion: number;
  /** The current federation's deposit address. */
  readonly federationAddress: string;
}

export interface BridgeDeps {
  readonly bitcoin: BitcoinClient;
  readonly storage: StorageIO;
  readonly network: BitcoinNetworkName;
  readonly federation: Federation;
  /** Confirmations after which a payout counts as done. */
  readonly payoutConfirmations: number;
  /**
   * Confirmations a deposit's output needs before a spend may use it: as deep as minting asks. A
   * shallower one can be double-spent by a Bitcoin reorg, and the payout that spent it with it,
   * after the payout counted as done. Change of our own payouts is spendable at one.
   */
  readonly spendConfirmations?: number;
  /** Ask governance again when it has not answered for this long. */
  readonly reaskAfterMs: number;
  readonly tickEveryMs: number;
  readonly bugs: BugSwitches;
  readonly sometimes: (probe: string) => void;
  readonly publish: (view: BridgeView) => void;
  /** A new federation (from governance): the peg-in scanner must watch its address too. */
  readonly onFederation: (federation: Federation, previousValidUntilHeight: number) => void;
  readonly log?: (line: string) => void;
  /** This node's own emergency pause (the features file): no new signature requests or sweeps. */
  readonly pausedLocally?: () => boolean;
  /** How many recent Bitcoin blocks to search for a payout peers already made (default 288, two days). */
  readonly payoutSearchBlocks?: number;
  /**
   * Txids of deposits the scanner rejected (no valid OP_RETURN): never minted, so their outputs are
   * kept apart from the spendable balance (they are the depositors' to be refunded, not the peg's).
   */
  readonly rejectedDeposits?: () => Promise<readonly string[]>;
  /** When idle and fees are low, merge small federation outputs (defaults: consolidationDefaults). */
  readonly consolidation?: ConsolidationOptions;
}

export interface ConsolidationOptions {
  /** Only at or below this fee rate (sat/vB): merging costs fees now to save them on every later payout. */
  readonly maxFeeRateSatPerVb: bigint;
  /** Outputs below this are small. */
  readonly smallOutputSats: bigint;
  /** Merge once there are at least this many small outputs (and at most 50 at a time). */
  readonly minOutputs: number;
}

export const consolidationDefaults: ConsolidationOptions = { maxFeeRateSatPerVb: 1n, smallOutputSats: 1_000_000n, minOutputs: 10 };

const OP_PREFIX = 'peg/op/';

export function bridgeActor(d: BridgeDeps): ActorSpec<BridgeMsg> {
  return actor<BridgeMsg>({
    name: bridgeActorName,
    dependsOn: [streamActorName],
    mailbox: { capacity: 4_096, overflow: 'reject' },
    create: (ctx) => new BridgeNode(ctx, d).behavior(),
  });
}

class BridgeNode {
  private readonly ops = new Map<string, PegOutOperation>();
  private readonly byRequest = new Map<string, string>();
  private readonly askedAt = new Map<string, number>();
  /** Federation outputs seen, to check witnesses of a transaction another node built. */
  private readonly utxoCache = new Map<string, FederationUtxo>();
  /**
   * Outputs governance says are already signed into other transactions, with when it said so: kept
   * out of new requests for a re-ask period only, since governance releases the inputs of a signed
   * transaction a reorg made impossible.
   */
  private readonly knownSpent = new Map<string, number>();
  private federations: Federation[];
  private paused = false;
  private sweepInFlight: { readonly requestId: string; readonly askedAt: number; readonly inputs: readonly FederationUtxo[] } | undefined;
  private recovered = false;
  /** Lookups sent to governance for peg-outs this node could not build: request id → operation id. */
  private readonly lookups = new Map<string, string>();
  private readonly lookedUpAt = new Map<string, number>();
  private lookupSeq = 0;
  /** Payouts out of federation outputs seen on Bitcoin, by the output script they pay. */
  private readonly federationPayouts = new Map<string, Array<{ readonly txid: string; readonly vout: number; readonly valueSats: bigint }>>();
  private readonly payoutTxs = new Map<string, { readonly inputs: readonly string[]; readonly outSats: bigint }>();
  private payoutsScannedTo = -1;
  /**
   * Each federation's outputs, listed once per tick and shared by the sweep, every peg-out built in
   * that tick and the consolidation. Listing costs the Bitcoin node one pass over the address's whole
   * history (btcd) or UTXO set (bitcoind), plus a round trip to the peg-in scanner; once per peg-out,
   * a backlog of forty burns after a fault held the actor in one tick for minutes, while the burns
   * finalized meanwhile waited at its door. Outputs reserved by a peg-out built earlier in the same
   * tick are still kept out: reserved() reads the operations, not the listing.
   */
  private listed = new Map<number, Promise<readonly UnspentOutput[]>>();

  constructor(
    private readonly ctx: ActorContext<BridgeMsg>,
    private readonly d: BridgeDeps,
  ) {
    this.federations = [d.federation];
  }

  private get stream() {
    return this.ctx.lookup<StreamMsg>(streamActorName);
  }

  behavior() {
    return {
      onStart: async () => {
        for (const [, v] of await this.d.storage.scan(OP_PREFIX)) {
          const op = decodePegOut(v);
          this.ops.set(op.id, op);
          if (op.requestId !== undefined) this.byRequest.set(op.requestId, op.id);
        }
        // Federations learned before the crash, oldest first: known again before governance answers.
        const feds = (await this.d.storage.scan(FEDERATION_PREFIX)).map(([, v]) => decodeFederationRecord(v)).filter((u) => u !== undefined);
        for (const u of feds.sort((a, b) => a.version - b.version)) await this.onFederation(u, false);
        this.recovered = true;
        if (this.ops.size > 0) this.d.sometimes('bridge.recovered-operations');
        this.publish();
        this.ctx.self.tell({ type: 'tick' });
      },
      handlers: {
        'peg-outs': async (m: { requests: readonly PegOutRequest[]; refused?: readonly RefusedPegOut[]; blockHeight: number }) => this.onPegOuts(m.requests, m.refused ?? [], m.blockHeight),
        tick: async () => {
          try {
            await this.drive();
          } catch (err) {
            // Bitcoin or storage unavailable: the next tick tries again; nothing was half-written.
            this.putOff('bridge.tick-failed', err);
          }
          this.publish();
          this.ctx.setTimer(this.d.tickEveryMs, { type: 'tick' });
        },
        governance: async (m: { message: GovernanceInbound }) => {
          try {
            await this.onGovernance(m.message);
          } catch (err) {
            // Bitcoin or storage out of reach while an answer was checked or its payout sent: what
            // was persisted stands (a signed payout is broadcast by the next tick, an unchecked
            // answer comes again when the request is re-asked). Failing the actor for it restarted
            // the bridge each time btcd was down (the 30-minute nemesis).
            this.putOff('bridge.answer-deferred', err);
          }
          this.publish();
        },
      },
    };
  }

  /** Work left for later because Bitcoin or storage failed under it: counted and logged, not fatal. */
  private putOff(probe: string, err: unknown): void {
    this.d.sometimes(probe);
    this.d.log?.(`bridge: ${errorLine(err)}`);
  }

  private publish(): void {
    const current = this.federations[0] as Federation;
    this.d.publish({ recovered: this.recovered, operations: [...this.ops.values()], paused: this.paused, federationVersion: current.version, federationAddress: current.address });
  }

  private async save(op: PegOutOperation): Promise<void> {
    const before = this.ops.get(op.id)?.status;
    await this.d.storage.write([{ type: 'put', key: `${OP_PREFIX}${op.id}`, value: encodePegOut(op) }], { sync: true });
    this.ops.set(op.id, op);
    if (op.requestId !== undefined) this.byRequest.set(op.requestId, op.id);
    // Governance follows every peg-out's progress (status updates are best effort: the record is ours).
    if (before !== op.status) {
      // The operator's trail of each peg-out (getpegout answers the current state only).
      this.d.log?.(`peg-out ${op.id}: ${before ?? 'new'} -> ${op.status}${op.txid !== undefined ? ` (tx ${op.txid})` : ''}${op.attempts > 1 ? `, attempt ${op.attempts}` : ''}`);
      // Governance's protocol has no refused state: a refusal is a failure that will not be retried.
      const status = op.status === 'refused' ? 'failed' : op.status;
      this.ctx.tell(this.stream, { type: 'send', message: { kind: 'status', messageId: `status:${op.id}:${op.status}:${op.attempts}`, pegId: op.id, status, detail: op.refusal?.reason ?? op.failure?.reason ?? op.txid ?? '' } });
    }
  }

  private async onPegOuts(requests: readonly PegOutRequest[], refused: readonly RefusedPegOut[], blockHeight: number): Promise<number> {
    let created = 0;
    for (const r of refused) {
      if (this.ops.has(r.id)) continue;
      await this.save(PegOut.refuse(PegOut.create({ id: r.id, burnTxHash: r.burnTxHash, blockHeight, destination: r.destination, amountSats: r.amountSats }), r.reason, r.detail));
      this.d.sometimes('bridge.peg-out-refused');
    }
    for (const r of requests) {
      if (this.ops.has(r.id)) continue;
      const op = PegOut.confirm(PegOut.create({ id: r.id, burnTxHash: r.burnTxHash, blockHeight, destination: r.destination, amountSats: r.amountSats }));
      await this.save(op);
      created++;
      this.d.sometimes('bridge.peg-out-created');
    }
    return created;
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Paused by governance, or by this node's operator. */
  private halted(): boolean {
    return this.paused || this.d.pausedLocally?.() === true;
  }

  private async drive(): Promise<void> {
    this.listed = new Map();
    if (this.federations.length > 1 && !this.halted()) await this.sweep();
    const open = [...this.ops.values()].filter((o) => o.status !== 'completed' && o.status !== 'refused').sort((a, b) => a.blockHeight - b.blockHeight || (a.id < b.id ? -1 : 1));
    if (open.length === 0) {
      if (this.federations.length === 1 && !this.halted()) await this.consolidate();
      return;
    }
    await this.refreshUtxos();
    for (const op of open) {
      const now = this.ctx.clock.now();
      switch (op.status) {
        case 'confirmed':
          if (!this.halted()) await this.requestSignature(op);
          break;
        case 'signature-requested':
          if (now - (this.askedAt.get(op.id) ?? Number.NEGATIVE_INFINITY) >= this.d.reaskAfterMs) {
            // Unanswered this long: governance may be away while a peer's payout already confirmed.
            if (await this.completeIfPaidOnBitcoin(op)) break;
            this.ask(op);
          }
          break;
        case 'signed':
          await this.broadcast(op);
          break;
        case 'broadcast':
          await this.follow(op);
          break;
        case 'failed':
          if (op.failure?.retryable === true && now - (this.askedAt.get(op.id) ?? 0) >= this.d.reaskAfterMs) await this.save(PegOut.retry(op));
          break;
        case 'pending':
          await this.save(PegOut.confirm(op));
          break;
        case 'completed':
        case 'refused':
          break;
      }
    }
  }

  /** A federation's outputs (unconfirmed ones too) as listed in this tick. */
  private outputsOf(f: Federation): Promise<readonly UnspentOutput[]> {
    let listing = this.listed.get(f.version);
    if (listing === undefined) {
      listing = this.d.bitcoin.listUnspent(f.scriptPubKey, 0);
      this.listed.set(f.version, listing);
    }
    return listing;
  }

  private async refreshUtxos(): Promise<void> {
    for (const f of this.federations) {
      for (const u of await this.outputsOf(f)) {
        this.utxoCache.set(`${u.txid}:${u.vout}`, { txid: u.txid, vout: u.vout, amountSats: u.amountSats, witnessScript: f.witnessScript });
      }
    }
  }

  /** Outputs that pay for nothing: in flight, known spent, or a rejected deposit's. */
  private async reservedOrRejected(): Promise<{ has: (outpoint: string) => boolean }> {
    const reserved = this.reserved();
    const rejected = new Set(this.d.rejectedDeposits === undefined ? [] : await this.d.rejectedDeposits());
    return { has: (op) => reserved.has(op) || rejected.has(op.slice(0, op.lastIndexOf(':'))) };
  }

  private reserved(): Set<string> {
    const now = this.ctx.clock.now();
    const s = new Set<string>();
    for (const [op, at] of this.knownSpent) {
      if (now - at < this.d.reaskAfterMs) s.add(op);
      else this.knownSpent.delete(op);
    }
    for (const o of this.ops.values()) {
      if (o.status === 'signature-requested' || o.status === 'signed' || o.status === 'broadcast') for (const i of o.inputs ?? []) s.add(`${i.txid}:${i.vout}`);
    }
    return s;
  }

  /** A federation's outputs a spend may use (see BridgeDeps.spendConfirmations). */
  private async spendable(f: Federation): Promise<readonly UnspentOutput[]> {
    const deep = this.d.spendConfirmations ?? 1;
    const all = (await this.outputsOf(f)).filter((u) => u.confirmations >= 1);
    if (deep <= 1) return all;
    const ours = new Set<string>();
    for (const o of this.ops.values()) if (o.txid !== undefined) ours.add(o.txid);
    return all.filter((u) => u.confirmations >= deep || ours.has(u.txid));
  }

  private async requestSignature(op: PegOutOperation): Promise<void> {
    const reserved = await this.reservedOrRejected();
    const utxos: FederationUtxo[] = [];
    for (const f of this.federations) {
      for (const u of await this.spendable(f)) {
        if (!reserved.has(`${u.txid}:${u.vout}`)) utxos.push({ txid: u.txid, vout: u.vout, amountSats: u.amountSats, witnessScript: f.witnessScript });
      }
    }
    const current = this.federations[0] as Federation;
    const built = buildPegOutTx({
      utxos,
      pegOuts: [{ pegOutId: op.id, script: scriptOfAddress(op.destination, this.d.network), amountSats: op.amountSats }],
      feeRateSatPerVb: await this.d.bitcoin.estimateFeeRate(),
      changeScript: current.scriptPubKey,
      threshold: current.threshold,
    });
    if (!built.ok) {
      this.d.sometimes(`bridge.build-failed.${built.error.code}`);
      if (built.error.code === 'PAYOUT_BELOW_DUST') {
        // Never paid: what is left after the fee is not worth an output. Refused, not left pending.
        this.d.log?.(`burn ${op.burnTxHash} refused: PEGOUT_PAYOUT_BELOW_DUST: ${built.error.detail}`);
        await this.save(PegOut.refuse(op, 'PEGOUT_PAYOUT_BELOW_DUST', built.error.detail));
        return;
      }
      // Most often the outputs are gone because peers already paid this very peg-out: find that
      // payout (governance knows what it signed; Bitcoin shows what was paid) instead of waiting
      // for a deposit to refill the federation.
      if (this.d.bugs.has('peg-no-lookup-after-build-failure')) return;
      // Governance first (it names the operation exactly); Bitcoin when it has not helped.
      if (this.lookedUpAt.has(op.id) && (await this.completeIfPaidOnBitcoin(op))) return;
      this.lookUp(op);
      return;
    }
    const inputs = built.built.inputs.map((u) => ({ txid: u.txid, vout: u.vout, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) }));
    const requestId = `${op.id}#${op.attempts + 1}`;
    // Persisted before it is sent: after a crash the request is asked again, not forgotten.
    const next = PegOut.requestSignature(op, built.built.tx.toHex(), inputs, requestId);
    if (this.d.bugs.has('peg-forget-signature-request')) {
      this.ops.set(next.id, next);
      this.byRequest.set(requestId, next.id);
      await this.d.storage.write([{ type: 'del', key: `${OP_PREFIX}${op.id}` }], { sync: true });
    } else await this.save(next);
    this.ask(next);
  }

  private ask(op: PegOutOperation): void {
    if (op.txHex === undefined || op.inputs === undefined || op.requestId === undefined) return;
    this.askedAt.set(op.id, this.ctx.clock.now());
    this.ctx.tell(this.stream, {
      type: 'send',
      message: { kind: 'register-peg-out', messageId: `reg:${op.id}`, registration: { pegOutId: op.id, destination: op.destination, amountSats: op.amountSats, burnTxHash: op.burnTxHash } },
    });
    this.ctx.tell(this.stream, {
      type: 'send',
      message: {
        kind: 'sign',
        messageId: `sign:${op.requestId}`,
        request: { requestId: op.requestId, txHex: op.txHex, inputs: op.inputs.map((i, index) => ({ index, amountSats: i.amountSats, witnessScriptHex: i.witnessScriptHex })), pegOutIds: [op.id] },
      },
    });
    this.d.sometimes('bridge.signature-requested');
  }

  /** Asks governance for the transaction it signed for this peg-out (at most once per re-ask period). */
  private lookUp(op: PegOutOperation): void {
    const now = this.ctx.clock.now();
    if (now - (this.lookedUpAt.get(op.id) ?? Number.NEGATIVE_INFINITY) < this.d.reaskAfterMs) return;
    this.lookedUpAt.set(op.id, now);
    const requestId = `lookup:${op.id}:${this.ctx.incarnation}.${this.lookupSeq++}`;
    this.lookups.set(requestId, op.id);
    this.ctx.tell(this.stream, {
      type: 'send',
      message: { kind: 'register-peg-out', messageId: `reg:${op.id}`, registration: { pegOutId: op.id, destination: op.destination, amountSats: op.amountSats, burnTxHash: op.burnTxHash } },
    });
    this.ctx.tell(this.stream, { type: 'send', message: { kind: 'sign', messageId: `sign:${requestId}`, request: { requestId, txHex: '', inputs: [], pegOutIds: [op.id] } } });
    this.d.sometimes('bridge.lookup-sent');
  }

  private async onLookupAnswer(r: SignatureResponse): Promise<void> {
    const id = this.lookups.get(r.requestId);
    this.lookups.delete(r.requestId);
    const op = id === undefined ? undefined : this.ops.get(id);
    if (op === undefined || op.status !== 'confirmed') {
      this.d.sometimes('bridge.stale-answer');
      return;
    }
    if (r.kind === 'refused') {
      // Nothing signed yet: the operation waits for funds, and asks again later.
      this.d.sometimes('bridge.lookup-nothing-signed');
      return;
    }
    const checked = await this.checkAnswer(op, r);
    if (!checked.ok) return;
    this.d.sometimes('bridge.lookup-adopted');
    this.d.log?.(`peg-out ${op.id}: adopted ${checked.tx.getId()}, which governance signed for it earlier`);
    const asked = PegOut.requestSignature(op, r.txHex, checked.inputs, r.requestId);
    await this.save(PegOut.signed(asked, checked.signedHex, checked.tx.getId(), r.txHex, checked.inputs));
    await this.broadcast(this.ops.get(op.id) as PegOutOperation);
  }

  /**
   * Completes the operation when Bitcoin already holds a confirmed payout of it: a transaction that
   * spends federation outputs (its inputs' witness scripts are a federation's), pays the burn's
   * destination at most the amount burned, and whose fee is exactly what the payout gave up — the
   * shape of every payout governance signs. A payout already credited to another operation of this
   * node is not counted twice; operations are visited oldest burn first, so of two burns to one
   * address with one amount the older one is credited first.
   */
  private async completeIfPaidOnBitcoin(op: PegOutOperation): Promise<boolean> {
    await this.scanPayouts();
    const claimed = new Set([...this.ops.values()].filter((o) => o.id !== op.id && o.txid !== undefined).map((o) => o.txid as string));
    const candidates = this.federationPayouts.get(toHex(scriptOfAddress(op.destination, this.d.network))) ?? [];
    for (const c of candidates) {
      if (claimed.has(c.txid) || c.valueSats > op.amountSats || c.valueSats <= 0n) continue;
      const confirmations = await this.d.bitcoin.getConfirmations(c.txid);
      if (confirmations === undefined || confirmations < this.d.payoutConfirmations) continue;
      const fee = await this.feeOf(c.txid);
      if (fee !== op.amountSats - c.valueSats) continue;
      this.d.sometimes('bridge.payout-found-on-bitcoin');
      this.d.log?.(`peg-out ${op.id}: already paid by ${c.txid} (${confirmations} confirmations)`);
      await this.save(PegOut.complete(op, c.txid));
      return true;
    }
    return false;
  }

  /** Reads the Bitcoin blocks not yet read (the last few again, for reorgs) for federation spends. */
  private async scanPayouts(): Promise<void> {
    const tip = await this.d.bitcoin.getBlockCount();
    if (tip === this.payoutsScannedTo) return;
    const depth = this.d.payoutSearchBlocks ?? 288;
    const from = Math.max(0, tip - depth + 1, this.payoutsScannedTo - 6);
    const scripts = this.federations.map((f) => toHex(f.witnessScript));
    const feds = new Set(this.federations.map((f) => toHex(f.scriptPubKey)));
    for (let h = from; h <= tip; h++) {
      const block = await this.d.bitcoin.getBlock(await this.d.bitcoin.getBlockHash(h));
      for (const raw of block.txs) {
        const tx = bitcoin.Transaction.fromBuffer(Buffer.from(raw));
        const spendsFederation = tx.ins.some((i) => {
          const ws = i.witness[i.witness.length - 1];
          return ws !== undefined && scripts.includes(toHex(ws));
        });
        if (!spendsFederation) continue;
        const txid = tx.getId();
        this.payoutTxs.set(txid, { inputs: tx.ins.map(outpointOf), outSats: tx.outs.reduce((t, o) => t + o.value, 0n) });
        tx.outs.forEach((o, vout) => {
          const key = toHex(o.script);
          if (feds.has(key)) return;
          const list = this.federationPayouts.get(key) ?? [];
          if (!list.some((x) => x.txid === txid && x.vout === vout)) list.push({ txid, vout, valueSats: o.value });
          this.federationPayouts.set(key, list);
        });
      }
    }
    this.payoutsScannedTo = tip;
  }

  /** Inputs less outputs of a federation spend seen on Bitcoin; undefined when an input cannot be read. */
  private async feeOf(txid: string): Promise<bigint | undefined> {
    const t = this.payoutTxs.get(txid);
    if (t === undefined) return undefined;
    let inSum = 0n;
    for (const op of t.inputs) {
      const [prev, vout] = op.split(':') as [string, string];
      const o = await this.d.bitcoin.getOutput(prev, Number(vout));
      if (o === undefined) return undefined;
      inSum += o.amountSats;
    }
    return inSum - t.outSats;
  }

  /**
   * After a rotation, outputs of earlier federations are moved to the current one. A sweep is not a
   * peg operation and is not persisted: funds stay with the federation whatever happens, and the next
   * tick builds it again. Governance signs only sweeps that pay the current federation alone.
   */
  private async sweep(): Promise<void> {
    const now = this.ctx.clock.now();
    if (this.sweepInFlight !== undefined && now - this.sweepInFlight.askedAt < this.d.reaskAfterMs) return;
    const reserved = await this.reservedOrRejected();
    const utxos: FederationUtxo[] = [];
    // Planted bug: off by one, the sweep starts two federations back and never moves the previous one's outputs.
    for (const f of this.federations.slice(this.d.bugs.has('peg-sweep-skips-previous') ? 2 : 1)) {
      for (const u of await this.spendable(f)) {
        if (!reserved.has(`${u.txid}:${u.vout}`)) utxos.push({ txid: u.txid, vout: u.vout, amountSats: u.amountSats, witnessScript: f.witnessScript });
      }
    }
    if (utxos.length === 0) return;
    await this.merge(utxos, 'bridge.sweep-requested');
  }

  /**
   * Small outputs of the current federation merged into one, when no peg-out waits and Bitcoin's fee
   * rate is low: every input a payout spends costs about 100 vbytes of fee out of the user's payout,
   * so fragmented holdings make every later peg-out dearer. Governance signs it like any spend.
   */
  private async consolidate(): Promise<void> {
    const o = this.d.consolidation ?? consolidationDefaults;
    if (this.sweepInFlight !== undefined && this.ctx.clock.now() - this.sweepInFlight.askedAt < this.d.reaskAfterMs) return;
    if ((await this.d.bitcoin.estimateFeeRate()) > o.maxFeeRateSatPerVb) return;
    const current = this.federations[0] as Federation;
    const reserved = await this.reservedOrRejected();
    const small = (await this.spendable(current))
      .filter((u) => u.amountSats < o.smallOutputSats && !reserved.has(`${u.txid}:${u.vout}`))
      .map((u) => ({ txid: u.txid, vout: u.vout, amountSats: u.amountSats, witnessScript: current.witnessScript }));
    if (small.length < Math.max(2, o.minOutputs)) return;
    await this.merge(small, 'bridge.consolidation-requested');
  }

  /** Asks governance to sign one transaction moving these federation outputs to the current federation. */
  private async merge(utxos: FederationUtxo[], probe: string): Promise<void> {
    const now = this.ctx.clock.now();
    utxos.sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1));
    const chosen = utxos.slice(0, 50);
    const current = this.federations[0] as Federation;
    const total = chosen.reduce((t, u) => t + u.amountSats, 0n);
    const fee = BigInt(estimateVsize(chosen, [current.scriptPubKey], current.threshold)) * (await this.d.bitcoin.estimateFeeRate());
    if (total - fee < 546n) return;
    const tx = new bitcoin.Transaction();
    tx.version = 2;
    for (const u of chosen) tx.addInput(fromHex(u.txid).reverse(), u.vout, 0xfffffffd);
    tx.addOutput(current.scriptPubKey, total - fee);
    const requestId = `sweep:${tx.getId()}`;
    this.sweepInFlight = { requestId, askedAt: now, inputs: chosen };
    this.ctx.tell(this.stream, {
      type: 'send',
      message: {
        kind: 'sign',
        messageId: `sign:${requestId}`,
        request: { requestId, txHex: tx.toHex(), inputs: chosen.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })), pegOutIds: [] },
      },
    });
    this.d.sometimes(probe);
  }

  private async onSweepAnswer(r: SignatureResponse): Promise<void> {
    const s = this.sweepInFlight;
    if (s === undefined || s.requestId !== r.requestId) return;
    this.sweepInFlight = undefined;
    if (r.kind === 'refused') {
      if (r.conflictingTxHex !== undefined) {
        try {
          const other = bitcoin.Transaction.fromHex(r.conflictingTxHex);
          for (const i of other.ins) this.knownSpent.set(outpointOf(i), this.ctx.clock.now());
          // Governance already signed a sweep of these outputs that its requester never broadcast (it
          // crashed: sweeps are not persisted). Unless someone sends it, the outputs stay locked for
          // good; it pays only federations, so any node may, and Bitcoin checks its witnesses.
          const feds = this.federations.map((f) => toHex(f.scriptPubKey));
          if (other.outs.length > 0 && other.outs.every((o) => feds.includes(toHex(o.script)))) {
            await this.d.bitcoin.sendRawTransaction(r.conflictingTxHex);
            this.d.sometimes('bridge.stale-sweep-broadcast');
          }
        } catch {
          // Unreadable, or already in the chain: the next sweep starts from fresh UTXOs anyway.
        }
      }
      return;
    }
    const current = this.federations[0] as Federation;
    let tx: bitcoin.Transaction;
    try {
      tx = bitcoin.Transaction.fromHex(r.txHex);
    } catch {
      return;
    }
    // Only what we asked for: our inputs, one output to the current federation.
    if (`sweep:${tx.getId()}` !== r.requestId || tx.outs.length !== 1 || toHex((tx.outs[0] as bitcoin.Transaction['outs'][number]).script) !== toHex(current.scriptPubKey)) {
      this.d.sometimes('bridge.sweep-answer-refused');
      return;
    }
    const applied = applyWitnesses(r.txHex, s.inputs, r.witnesses);
    if (!applied.ok) {
      this.d.sometimes('bridge.sweep-answer-refused');
      return;
    }
    try {
      await this.d.bitcoin.sendRawTransaction(applied.tx.toHex());
      this.d.sometimes('bridge.swept');
    } catch {
      this.d.sometimes('bridge.sweep-broadcast-failed');
    }
  }

  // ---- governance's answers ------------------------------------------------------------------------

  private async onGovernance(m: GovernanceInbound): Promise<void> {
    switch (m.type) {
      case 'signature':
        return this.onSignature(m.response);
      case 'federation':
        return this.onFederation(m.update);
      case 'proposal':
        if (m.action === 'emergency-pause') {
          this.paused = true;
          this.d.sometimes('bridge.paused');
        } else if (m.action === 'resume') this.paused = false;
        return;
    }
  }

  private async onFederation(u: FederationUpdate, fromGovernance = true): Promise<void> {
    let f: Federation;
    try {
      f = federationFromHex(u.publicKeysHex, u.threshold, this.d.network, u.version);
    } catch (err) {
      this.d.sometimes('bridge.federation-update-rejected');
      this.d.log?.(`federation update ${u.version} rejected: ${(err as Error).message}`);
      return;
    }
    // The address governance announces must be the one its keys give: otherwise deposits would go
    // to an address nobody can prove is the federation's.
    if (f.address !== u.address || toHex(f.witnessScript) !== u.witnessScriptHex.toLowerCase()) {
      this.d.sometimes('bridge.federation-update-rejected');
      this.d.log?.(`federation update ${u.version} rejected: address ${u.address} is not what its keys give (${f.address})`);
      return;
    }
    if (this.federations.some((x) => x.version === f.version)) return;
    if (fromGovernance) {
      try {
        await this.d.storage.write([{ type: 'put', key: federationKey(f.version), value: encodeFederationRecord(u) }], { sync: true });
      } catch {
        // Not kept: governance announces every federation again on each connect.
        this.d.sometimes('bridge.federation-not-persisted');
      }
    } else this.d.sometimes('bridge.federation-recovered');
    // Newest first, in whatever order the announcements come (a reconnect replays them all).
    this.federations = [f, ...this.federations].sort((a, b) => b.version - a.version);
    this.d.onFederation(f, u.previousValidUntilHeight);
    this.d.sometimes('bridge.federation-updated');
  }

  private async onSignature(r: SignatureResponse): Promise<void> {
    if (r.requestId.startsWith('sweep:')) return this.onSweepAnswer(r);
    if (r.requestId.startsWith('lookup:')) return this.onLookupAnswer(r);
    const id = this.byRequest.get(r.requestId);
    const op = id === undefined ? undefined : this.ops.get(id);
    if (op === undefined || op.status !== 'signature-requested' || op.requestId !== r.requestId) {
      this.d.sometimes('bridge.stale-answer');
      return;
    }
    if (r.kind === 'refused') {
      this.d.sometimes(`bridge.refused.${r.reason}`);
      this.d.log?.(`peg-out ${op.id}: governance refused: ${r.reason}: ${r.detail}`);
      if (r.reason === 'input-already-signed' && r.conflictingTxHex !== undefined) {
        try {
          for (const i of bitcoin.Transaction.fromHex(r.conflictingTxHex).ins) this.knownSpent.set(outpointOf(i), this.ctx.clock.now());
        } catch {
          // A conflict we cannot read: rebuilding with fresh UTXOs is still right.
        }
        await this.save(PegOut.rebuild(op));
      } else if (r.reason === 'paused' || r.reason === 'input-already-signed') await this.save(PegOut.rebuild(op));
      else await this.save(PegOut.fail(op, `governance refused: ${r.reason}: ${r.detail}`, true));
      return;
    }
    const checked = await this.checkAnswer(op, r);
    if (!checked.ok) return this.reask(op);
    if (!checked.ours) this.d.sometimes('bridge.adopted-other-transaction');
    await this.save(PegOut.signed(op, checked.signedHex, checked.tx.getId(), r.txHex, checked.inputs));
    await this.broadcast(this.ops.get(op.id) as PegOutOperation);
  }

  /**
   * Whether governance's signed answer pays this peg-out right with witnesses that verify: the
   * transaction we asked for, or another one it signed for the same peg-out (a peer's).
   */
  private async checkAnswer(
    op: PegOutOperation,
    r: Extract<SignatureResponse, { kind: 'signed' }>,
  ): Promise<{ ok: false } | { ok: true; ours: boolean; tx: bitcoin.Transaction; signedHex: string; inputs: NonNullable<PegOutOperation['inputs']> }> {
    let tx: bitcoin.Transaction;
    try {
      tx = bitcoin.Transaction.fromHex(r.txHex);
    } catch {
      this.d.sometimes('bridge.bad-answer');
      return { ok: false };
    }
    const ours = op.txHex !== undefined && op.txHex !== '' && bitcoin.Transaction.fromHex(op.txHex).getId() === tx.getId();
    const resolved = ours ? (op.inputs ?? []).map((i) => ({ amountSats: i.amountSats, witnessScript: fromHex(i.witnessScriptHex) })) : await this.resolveInputs(tx);
    if (resolved === undefined) {
      this.d.sometimes('bridge.answer-unresolvable');
      return { ok: false };
    }
    const payout = this.d.bugs.has('peg-skip-payout-check') ? undefined : await this.checkPayout(op, tx, ours, resolved);
    if (payout !== undefined) {
      this.d.sometimes('bridge.wrong-payout-refused');
      this.d.log?.(`peg-out ${op.id}: governance's transaction refused: ${payout}`);
      return { ok: false };
    }
    const applied = applyWitnesses(r.txHex, resolved, r.witnesses);
    if (!applied.ok) {
      this.d.sometimes('bridge.bad-witness-refused');
      this.d.log?.(`peg-out ${op.id}: witnesses refused: ${applied.error}`);
      return { ok: false };
    }
    const inputs = tx.ins.map((i, k) => {
      const [txid, vout] = outpointOf(i).split(':') as [string, string];
      const x = resolved[k] as { amountSats: bigint; witnessScript: Uint8Array };
      return { txid, vout: Number(vout), amountSats: x.amountSats, witnessScriptHex: toHex(x.witnessScript) };
    });
    return { ok: true, ours, tx, signedHex: applied.tx.toHex(), inputs };
  }

  /**
   * The amount and federation witness script of each input of a transaction another node built, from
   * Bitcoin itself; undefined if an input is unknown or is not a federation output.
   */
  private async resolveInputs(tx: bitcoin.Transaction): Promise<Array<{ amountSats: bigint; witnessScript: Uint8Array }> | undefined> {
    const out: Array<{ amountSats: bigint; witnessScript: Uint8Array }> = [];
    for (const i of tx.ins) {
      const op = outpointOf(i);
      const cached = this.utxoCache.get(op);
      if (cached !== undefined) {
        out.push(cached);
        continue;
      }
      const [txid, vout] = op.split(':') as [string, string];
      const o = await this.d.bitcoin.getOutput(txid, Number(vout));
      const fed = o === undefined ? undefined : this.federations.find((f) => toHex(f.scriptPubKey) === toHex(o.scriptPubKey));
      if (o === undefined || fed === undefined) return undefined;
      out.push({ amountSats: o.amountSats, witnessScript: fed.witnessScript });
    }
    return out;
  }

  /** Undefined when the transaction pays this peg-out what it should; else what is wrong. */
  private async checkPayout(op: PegOutOperation, tx: bitcoin.Transaction, ours: boolean, inputs: ReadonlyArray<{ amountSats: bigint; witnessScript: Uint8Array }>): Promise<string | undefined> {
    const out = tx.outs[0];
    if (out === undefined || toHex(out.script) !== toHex(scriptOfAddress(op.destination, this.d.network))) return `output 0 does not pay ${op.destination}`;
    if (out.value > op.amountSats) return `pays ${out.value}, more than the ${op.amountSats} burned`;
    const fee = inputs.reduce((s, i) => s + i.amountSats, 0n) - tx.outs.reduce((s, o) => s + o.value, 0n);
    if (fee !== op.amountSats - out.value) return `fee ${fee} is not what the peg-out gives up (${op.amountSats - out.value})`;
    if (ours) return undefined;
    // Another transaction for this peg-out: its fee must be one we would have paid.
    const rate = await this.d.bitcoin.estimateFeeRate();
    const max = (BigInt(estimateVsize(inputs, tx.outs.map((o) => o.script), (this.federations[0] as Federation).threshold)) * rate * FEE_TOLERANCE_PERCENT) / 100n;
    return fee > max ? `fee ${fee} is more than the current estimate allows (${max})` : undefined;
  }

  private async reask(op: PegOutOperation): Promise<void> {
    // A new request id, so the stream's duplicate filter lets the next answer through.
    const requestId = `${op.id}#${op.attempts + 1}`;
    await this.save(PegOut.requestSignature(op, op.txHex as string, op.inputs ?? [], requestId));
    this.askedAt.set(op.id, this.ctx.clock.now() - this.d.reaskAfterMs + 2_000);
  }

  // ---- Bitcoin -------------------------------------------------------------------------------------

  private async broadcast(op: PegOutOperation): Promise<void> {
    try {
      await this.d.bitcoin.sendRawTransaction(op.signedTxHex as string);
    } catch (err) {
      const rejected = (err as { rejected?: boolean }).rejected === true;
      if (!rejected) throw err;
      // Its inputs are gone: if it is itself in the chain, fine; otherwise build anew.
      const c = await this.d.bitcoin.getConfirmations(op.txid as string);
      if (c === undefined) {
        this.d.sometimes('bridge.broadcast-rejected-rebuilt');
        await this.save(PegOut.rebuild(op));
        return;
      }
    }
    await this.save(op.status === 'broadcast' ? op : PegOut.broadcast(op));
    this.d.sometimes('bridge.broadcast');
  }

  private async follow(op: PegOutOperation): Promise<void> {
    const c = await this.d.bitcoin.getConfirmations(op.txid as string);
    if (c === undefined) {
      // Dropped (a Bitcoin reorg): the same signed transaction goes out again.
      this.d.sometimes('bridge.rebroadcast');
      await this.broadcast(op);
      return;
    }
    if (c >= this.d.payoutConfirmations) {
      await this.save(PegOut.complete(op));
      this.d.sometimes('bridge.peg-out-completed');
    }
  }
}
