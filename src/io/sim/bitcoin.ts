// A simulated Bitcoin network, shared by every node of a world: blocks, a mempool, confirmations,
// reorgs and a fee estimate. It checks what Bitcoin would: inputs exist and are unspent, values add
// up, and a P2WSH input's witness script hashes to the output's program and its CHECKMULTISIG
// signatures verify (bitcoinjs-lib and tiny-secp256k1), so a wrong witness is refused here as the
// real network would refuse it. User wallets are not modelled: an input naming a transaction this
// network has never seen is a user's coin and is taken as funded.
import { sha256 } from '@noble/hashes/sha2.js';
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

export class SimBitcoin {
  private chain: SimBlock[];
  private readonly mempool = new Map<string, bitcoin.Transaction>();
  private nonce = 0;
  feeRateSatPerVb = 2n;
  /** Unreachable (the node's bitcoind is down): every call fails. */
  down = false;

  constructor(private readonly scheduler: Scheduler) {
    this.chain = [{ hash: toHex(sha256(new TextEncoder().encode('sim-bitcoin-genesis'))), height: 0, previousHash: '00'.repeat(32), txs: [] }];
  }

  get height(): number {
    return this.chain.length - 1;
  }

  get blocks(): readonly SimBlock[] {
    return this.chain;
  }

  /** Every transaction in the main chain, with the height it is in. */
  *confirmedTxs(): Generator<{ tx: bitcoin.Transaction; height: number }> {
    for (const b of this.chain) for (const tx of b.txs) yield { tx, height: b.height };
  }

  confirmations(txid: string): number | undefined {
    for (let h = this.chain.length - 1; h >= 0; h--) if ((this.chain[h] as SimBlock).txs.some((t) => t.getId() === txid)) return this.chain.length - h;
    return this.mempool.has(txid) ? 0 : undefined;
  }

  /** Outputs of the main chain (and, with `withMempool`, the mempool) not spent by either. */
  private outputs(withMempool: boolean): { unspent: Map<string, Output & { height: number | undefined }>; spent: Set<string>; known: Set<string> } {
    const unspent = new Map<string, Output & { height: number | undefined }>();
    const spent = new Set<string>();
    const known = new Set<string>();
    const add = (tx: bitcoin.Transaction, height: number | undefined): void => {
      const id = tx.getId();
      known.add(id);
      for (const i of tx.ins) {
        const op = outpointOf(i);
        spent.add(op);
        unspent.delete(op);
      }
      tx.outs.forEach((o, vout) => {
        if (!spent.has(`${id}:${vout}`)) unspent.set(`${id}:${vout}`, { script: o.script, value: o.value, height });
      });
    };
    for (const b of this.chain) for (const tx of b.txs) add(tx, b.height);
    if (withMempool) for (const tx of this.mempool.values()) add(tx, undefined);
    return { unspent, spent, known };
  }

  /** Accepts a transaction into the mempool, or says why Bitcoin would not. */
  submit(tx: bitcoin.Transaction): { ok: true; txid: string } | { ok: false; reason: string } {
    const txid = tx.getId();
    if (this.mempool.has(txid) || this.confirmations(txid) !== undefined) return { ok: true, txid };
    const { unspent, spent, known } = this.outputs(true);
    let inSum = 0n;
    let allKnown = true;
    for (let i = 0; i < tx.ins.length; i++) {
      const input = tx.ins[i] as bitcoin.Transaction['ins'][number];
      const op = outpointOf(input);
      const prevTxid = op.slice(0, op.lastIndexOf(':'));
      if (spent.has(op)) return { ok: false, reason: `bad-txns-inputs-missingorspent: ${op} is already spent` };
      if (!known.has(prevTxid)) {
        allKnown = false;
        continue;
      }
      const prev = unspent.get(op);
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
    this.mempool.set(txid, tx);
    return { ok: true, txid };
  }

  /** Mines the mempool into a new block. */
  mine(): SimBlock {
    const txs = [...this.mempool.values()];
    this.mempool.clear();
    const prev = this.chain[this.chain.length - 1] as SimBlock;
    const hash = toHex(sha256(new TextEncoder().encode(`${prev.hash}:${this.nonce++}:${txs.map((t) => t.getId()).join(',')}`)));
    const block = { hash, height: prev.height + 1, previousHash: prev.hash, txs };
    this.chain.push(block);
    return block;
  }

  /**
   * Replaces the last `depth` blocks by `depth + 1` new ones. Transactions of the dropped blocks go
   * back to the mempool, except those `evict` names (double-spent away by the winning branch).
   */
  reorg(depth: number, evict: (tx: bitcoin.Transaction) => boolean): void {
    const d = Math.min(depth, this.chain.length - 1);
    const dropped = this.chain.splice(this.chain.length - d, d);
    const pending = [...this.mempool.values()];
    this.mempool.clear();
    for (const b of dropped) for (const tx of b.txs) if (!evict(tx)) this.mempool.set(tx.getId(), tx);
    for (const tx of pending) if (!evict(tx)) this.mempool.set(tx.getId(), tx);
    // The winning branch is mined empty first, so the returning transactions confirm later.
    const keep = new Map(this.mempool);
    this.mempool.clear();
    for (let i = 0; i <= d; i++) this.mine();
    for (const [id, tx] of keep) this.mempool.set(id, tx);
  }

  listUnspent(scriptPubKey: Uint8Array, minConfirmations: number): UnspentOutput[] {
    const { unspent } = this.outputs(true);
    const out: UnspentOutput[] = [];
    for (const [op, o] of unspent) {
      if (!equalBytes(o.script, scriptPubKey)) continue;
      const confirmations = o.height === undefined ? 0 : this.chain.length - o.height;
      if (confirmations < minConfirmations) continue;
      const i = op.lastIndexOf(':');
      out.push({ txid: op.slice(0, i), vout: Number(op.slice(i + 1)), amountSats: o.value, confirmations });
    }
    return out.sort((a, b) => (a.txid === b.txid ? a.vout - b.vout : a.txid < b.txid ? -1 : 1));
  }

  /** One node's RPC connection: answers after `latencyMs`, to the node's current incarnation only. */
  client(owner: Owner, latencyMs: number): BitcoinClient {
    const later = <T>(method: string, fn: () => T): Promise<T> =>
      completeLater(this.scheduler, owner, latencyMs, fn, () => (this.down ? new BitcoinRpcError(method, 'connection refused') : undefined));
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
          return { hash: b.hash, height: b.height, previousHash: b.previousHash, txs: b.txs.map((t) => t.toBuffer()) };
        }),
      getConfirmations: (txid) => later('getrawtransaction', () => this.confirmations(txid)),
      getOutput: (txid, vout) =>
        later('getrawtransaction', () => {
          const tx = this.mempool.get(txid) ?? [...this.confirmedTxs()].find((t) => t.tx.getId() === txid)?.tx;
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
