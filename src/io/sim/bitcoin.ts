// A simulated Bitcoin network, shared by every node of a world: blocks, a mempool, confirmations,
// reorgs and a fee estimate. It checks what Bitcoin would: inputs exist and are unspent, values add
// up, and a P2WSH input's witness script hashes to the output's program and its CHECKMULTISIG
// signatures verify (bitcoinjs-lib and tiny-secp256k1), so a wrong witness is refused here as the
// real network would refuse it. User wallets are not modelled: an input naming a transaction this
// network has never seen is a user's coin and is taken as funded.
import { sha256 } from '../../crypto/sha256.ts';
import * as bitcoin from 'bitcoinjs-lib';
import { outpointOf } from '../../bridge/pegout-tx.ts';
import { checkWitness } from '../../bridge/witness.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import { equalBytes, toHex } from '../../types/hex.ts';
import { type BitcoinBlock, type BitcoinClient, BitcoinRpcError, type UnspentOutput } from '../bitcoin.ts';
import { completeLater } from './complete-later.ts';

interface SimBlock {
  readonly hash: string;
  readonly height: number;
  readonly previousHash: string;
  readonly txs: readonly bitcoin.Transaction[];
}

interface Output {
  readonly script: Uint8Array;
  readonly value: bigint;
}

/** One node's own Bitcoin node, as the world's faults reach it. */
export interface BitcoinLink {
  down: boolean;
}

export class SimBitcoin {
  private chain: SimBlock[];
  private readonly mempool = new Map<string, bitcoin.Transaction>();
  private nonce = 0;
  feeRateSatPerVb = 2n;
  // Indexes of the main chain, kept as blocks are mined and rebuilt on a reorg, as a node keeps its
  // UTXO set: a transaction id is hashed once, and no query walks the whole chain.
  private readonly ids = new WeakMap<bitcoin.Transaction, string>();
  private readonly heightOf = new Map<string, number>();
  private readonly confirmedTx = new Map<string, bitcoin.Transaction>();
  private readonly utxo = new Map<string, Output & { height: number }>();
  /** The UTXO set's outpoints by output script (hex): listunspent asks by script, every node every few seconds. */
  private readonly utxoByScript = new Map<string, Set<string>>();
  private readonly spentOnChain = new Set<string>();
  /** Transactions a reorg double-spent away: their outputs exist nowhere, so nothing may spend them. */
  private readonly conflicted = new Set<string>();
  /** The mempool's spends and creations while it is unchanged (see mempoolState). */
  private pool: { readonly spent: ReadonlySet<string>; readonly created: ReadonlyMap<string, Output> } | undefined;
  /** Serialized transactions of a block, as getblock returns them. */
  private readonly raw = new WeakMap<SimBlock, Uint8Array[]>();

  constructor(private readonly scheduler: Scheduler) {
    this.chain = [{ hash: toHex(sha256(new TextEncoder().encode('sim-bitcoin-genesis'))), height: 0, previousHash: '00'.repeat(32), txs: [] }];
  }

  get height(): number {
    return this.chain.length - 1;
  }

  get blocks(): readonly SimBlock[] {
    return this.chain;
  }

  /** A transaction's id, hashed once per transaction object. */
  idOf(tx: bitcoin.Transaction): string {
    let id = this.ids.get(tx);
    if (id === undefined) {
      id = tx.getId();
      this.ids.set(tx, id);
    }
    return id;
  }

  /** Every transaction in the main chain, with the height it is in. */
  *confirmedTxs(): Generator<{ tx: bitcoin.Transaction; height: number }> {
    for (const b of this.chain) for (const tx of b.txs) yield { tx, height: b.height };
  }

  confirmations(txid: string): number | undefined {
    const h = this.heightOf.get(txid);
    if (h !== undefined) return this.chain.length - h;
    return this.mempool.has(txid) ? 0 : undefined;
  }

  private applyBlock(b: SimBlock): void {
    for (const tx of b.txs) {
      const id = this.idOf(tx);
      this.heightOf.set(id, b.height);
      this.confirmedTx.set(id, tx);
      for (const i of tx.ins) {
        const op = outpointOf(i);
        this.spentOnChain.add(op);
        this.removeUtxo(op);
      }
      tx.outs.forEach((o, vout) => {
        const op = `${id}:${vout}`;
        if (!this.spentOnChain.has(op)) this.addUtxo(op, { script: o.script, value: o.value, height: b.height });
      });
    }
  }

  private addUtxo(op: string, o: Output & { height: number }): void {
    this.utxo.set(op, o);
    const key = toHex(o.script);
    let ops = this.utxoByScript.get(key);
    if (ops === undefined) {
      ops = new Set();
      this.utxoByScript.set(key, ops);
    }
    ops.add(op);
  }

  private removeUtxo(op: string): void {
    const o = this.utxo.get(op);
    if (o === undefined) return;
    this.utxo.delete(op);
    const key = toHex(o.script);
    const ops = this.utxoByScript.get(key);
    ops?.delete(op);
    if (ops?.size === 0) this.utxoByScript.delete(key);
  }

  private reindex(): void {
    this.heightOf.clear();
    this.confirmedTx.clear();
    this.utxo.clear();
    this.utxoByScript.clear();
    this.spentOnChain.clear();
    for (const b of this.chain) this.applyBlock(b);
  }

  private poolSet(txid: string, tx: bitcoin.Transaction): void {
    this.mempool.set(txid, tx);
    this.pool = undefined;
  }

  private poolClear(): void {
    this.mempool.clear();
    this.pool = undefined;
  }

  /**
   * What the mempool spends and creates (outputs it does not itself spend), worked out again only
   * after the mempool changed: every submission and every listunspent of every node asks for it.
   */
  private mempoolState(): { readonly spent: ReadonlySet<string>; readonly created: ReadonlyMap<string, Output> } {
    this.pool ??= this.computeMempoolState();
    return this.pool;
  }

  private computeMempoolState(): { spent: Set<string>; created: Map<string, Output> } {
    const spent = new Set<string>();
    const created = new Map<string, Output>();
    for (const [id, tx] of this.mempool) {
      for (const i of tx.ins) {
        const op = outpointOf(i);
        spent.add(op);
        created.delete(op);
      }
      tx.outs.forEach((o, vout) => {
        if (!spent.has(`${id}:${vout}`)) created.set(`${id}:${vout}`, { script: o.script, value: o.value });
      });
    }
    return { spent, created };
  }

  /** Accepts a transaction into the mempool, or says why Bitcoin would not. */
  submit(tx: bitcoin.Transaction): { ok: true; txid: string } | { ok: false; reason: string } {
    const txid = this.idOf(tx);
    if (this.mempool.has(txid) || this.confirmations(txid) !== undefined) return { ok: true, txid };
    const pool = this.mempoolState();
    let inSum = 0n;
    let allKnown = true;
    for (let i = 0; i < tx.ins.length; i++) {
      const input = tx.ins[i] as bitcoin.Transaction['ins'][number];
      const op = outpointOf(input);
      const prevTxid = op.slice(0, op.lastIndexOf(':'));
      if (this.spentOnChain.has(op) || pool.spent.has(op)) return { ok: false, reason: `bad-txns-inputs-missingorspent: ${op} is already spent` };
      if (this.conflicted.has(prevTxid)) return { ok: false, reason: `bad-txns-inputs-missingorspent: ${op} was double-spent away by a reorg` };
      if (!this.heightOf.has(prevTxid) && !this.mempool.has(prevTxid)) {
        allKnown = false;
        continue;
      }
      const prev = this.utxo.get(op) ?? pool.created.get(op);
      if (prev === undefined) return { ok: false, reason: `bad-txns-inputs-missingorspent: ${op} does not exist` };
      inSum += prev.value;
      const program = prev.script;
      if (program.length === 34 && program[0] === 0x00 && program[1] === 0x20) {
        const ws = input.witness[input.witness.length - 1];
        if (ws === undefined || !equalBytes(sha256(ws), program.subarray(2))) return { ok: false, reason: `mandatory-script-verify-flag-failed: input ${i} witness program hash mismatch` };
        const bad = checkWitness(tx, i, prev.value, ws, input.witness);
        if (bad !== undefined) return { ok: false, reason: `mandatory-script-verify-flag-failed: ${bad}` };
      }
    }
    const outSum = tx.outs.reduce((s, o) => s + o.value, 0n);
    if (allKnown && outSum > inSum) return { ok: false, reason: `bad-txns-in-belowout: ${inSum} in, ${outSum} out` };
    this.poolSet(txid, tx);
    return { ok: true, txid };
  }

  /** Mines the mempool into a new block. */
  mine(): SimBlock {
    const txs = [...this.mempool.values()];
    this.poolClear();
    const prev = this.chain[this.chain.length - 1] as SimBlock;
    const hash = toHex(sha256(new TextEncoder().encode(`${prev.hash}:${this.nonce++}:${txs.map((t) => this.idOf(t)).join(',')}`)));
    const block = { hash, height: prev.height + 1, previousHash: prev.hash, txs };
    this.chain.push(block);
    this.applyBlock(block);
    return block;
  }

  /**
   * Replaces the last `depth` blocks by `depth + 1` new ones. Transactions of the dropped blocks go
   * back to the mempool, except those `evict` names (double-spent away by the winning branch).
   */
  reorg(depth: number, evict: (tx: bitcoin.Transaction) => boolean): void {
    const d = Math.min(depth, this.chain.length - 1);
    const dropped = this.chain.splice(this.chain.length - d, d);
    this.reindex();
    const pending = [...this.mempool.values()];
    this.poolClear();
    // As Bitcoin does, a transaction spending an evicted one's output goes with it (and so on down).
    const gone = new Set<string>();
    const returning = [...dropped.flatMap((b) => b.txs), ...pending];
    for (let changed = true; changed; ) {
      changed = false;
      for (const tx of returning) {
        const id = this.idOf(tx);
        if (gone.has(id)) continue;
        if (evict(tx) || tx.ins.some((i) => gone.has(outpointOf(i).slice(0, 64)))) {
          gone.add(id);
          changed = true;
        }
      }
    }
    for (const id of gone) this.conflicted.add(id);
    for (const tx of returning) if (!gone.has(this.idOf(tx))) this.poolSet(this.idOf(tx), tx);
    // The winning branch is mined empty first, so the returning transactions confirm later.
    const keep = new Map(this.mempool);
    this.poolClear();
    for (let i = 0; i <= d; i++) this.mine();
    for (const [id, tx] of keep) this.poolSet(id, tx);
  }

  /** Whether an output exists in the main chain or the mempool and nothing there spends it. */
  isSpendable(outpoint: string): boolean {
    const pool = this.mempoolState();
    if (pool.spent.has(outpoint)) return false;
    return this.utxo.has(outpoint) || pool.created.has(outpoint);
  }

  /**
   * Ground truth for checkers: whether a transaction can never confirm, because the main chain spends
   * one of its inputs otherwise or a reorg double-spent away the transaction that created one.
   */
  canNeverConfirm(tx: bitcoin.Transaction): boolean {
    if (this.heightOf.has(this.idOf(tx))) return false;
    return tx.ins.some((i) => {
      const op = outpointOf(i);
      return this.spentOnChain.has(op) || this.conflicted.has(op.slice(0, op.lastIndexOf(':')));
    });
  }

  listUnspent(scriptPubKey: Uint8Array, minConfirmations: number): UnspentOutput[] {
    const out: UnspentOutput[] = [];
    const push = (op: string, confirmations: number, value: bigint): void => {
      const i = op.lastIndexOf(':');
      out.push({ txid: op.slice(0, i), vout: Number(op.slice(i + 1)), amountSats: value, confirmations });
    };
    const pool = this.mempoolState();
    for (const op of this.utxoByScript.get(toHex(scriptPubKey)) ?? []) {
      const o = this.utxo.get(op) as Output & { height: number };
      if (pool.spent.has(op)) continue;
      const confirmations = this.chain.length - o.height;
      if (confirmations >= minConfirmations) push(op, confirmations, o.value);
    }
    if (minConfirmations <= 0) for (const [op, o] of pool.created) if (equalBytes(o.script, scriptPubKey)) push(op, 0, o.value);
    return out.sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1));
  }

  /**
   * One node's RPC connection: answers after `latencyMs`, to the node's current incarnation only.
   * `link.down` is that node's bitcoind alone being unreachable while the others' answer.
   */
  client(owner: Owner, latencyMs: number, link: BitcoinLink = { down: false }): BitcoinClient {
    const later = <T>(method: string, fn: () => T): Promise<T> =>
      completeLater(this.scheduler, owner, latencyMs, fn, () => (link.down ? new BitcoinRpcError(method, 'connection refused') : undefined));
    return {
      getBlockCount: () => later('getblockcount', () => this.height),
      getBlockHash: (height) =>
        later('getblockhash', () => {
          const b = this.chain[height];
          if (b === undefined) throw new BitcoinRpcError('getblockhash', `Block height out of range: ${height}`);
          return b.hash;
        }),
      getBlock: (hash) =>
        later('getblock', (): BitcoinBlock => {
          const b = this.chain.find((x) => x.hash === hash);
          if (b === undefined) throw new BitcoinRpcError('getblock', `Block not found: ${hash}`);
          let txs = this.raw.get(b);
          if (txs === undefined) {
            txs = b.txs.map((t) => t.toBuffer());
            this.raw.set(b, txs);
          }
          // Each caller gets its own copies, as from a real RPC.
          return { hash: b.hash, height: b.height, previousHash: b.previousHash, txs: txs.map((t) => t.slice()) };
        }),
      getConfirmations: (txid) => later('getrawtransaction', () => this.confirmations(txid)),
      getOutput: (txid, vout) =>
        later('getrawtransaction', () => {
          const tx = this.mempool.get(txid) ?? this.confirmedTx.get(txid);
          const o = tx?.outs[vout];
          return o === undefined ? undefined : { amountSats: o.value, scriptPubKey: o.script };
        }),
      listUnspent: (script, min) => later('scantxoutset', () => this.listUnspent(script, min)),
      estimateFeeRate: () => later('estimatesmartfee', () => this.feeRateSatPerVb),
      sendRawTransaction: (hex) =>
        later('sendrawtransaction', () => {
          let tx: bitcoin.Transaction;
          try {
            tx = bitcoin.Transaction.fromHex(hex);
          } catch (err) {
            throw new BitcoinRpcError('sendrawtransaction', `TX decode failed: ${(err as Error).message}`, true);
          }
          const r = this.submit(tx);
          if (!r.ok) throw new BitcoinRpcError('sendrawtransaction', r.reason, true);
          return r.txid;
        }),
    };
  }
}
