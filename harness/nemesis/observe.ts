// What the nemesis's judge sees of a real devnet, in the records the simulation's checkers read:
// each node's chain from its JSON-RPC (status, getblockbyheight, getblockbyhash after a restart,
// getpegout), its Geth's balances and receipts at its finalized block, and Bitcoin's main chain
// from btcd. Nothing here decides anything; the judge (harness/nemesis/judge.ts) does.
import * as bitcoin from 'bitcoinjs-lib';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import type { PegOutOperation, PegOutStatus } from '../../src/bridge/peg-operation.ts';
import { outpointKey } from '../../src/bridge/deposit.ts';
import type { AcceptedRecord, ChainSyncStatus } from '../../src/chain/chain-view.ts';
import type { BitcoinRpc } from '../../src/io/prod/bitcoin-rpc.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import type { BridgeNodeView, ExecutionReader } from '../../sim/bridge/invariants.ts';
import type { NodeSnapshot } from '../../sim/chaos/invariant.ts';
import type { BitcoinObservation } from '../../sim/bridge/observation.ts';

const CALL_TIMEOUT_MS = 4_000;
const EMPTY = new Uint8Array(0);

/** One JSON-RPC batch; each answer's result, or undefined for an error. */
export async function rpcBatch(url: string, calls: ReadonlyArray<{ method: string; params: unknown[] }>): Promise<unknown[]> {
  if (calls.length === 0) return [];
  const out: unknown[] = [];
  for (let i = 0; i < calls.length; i += 100) {
    const chunk = calls.slice(i, i + 100);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chunk.map((c, j) => ({ jsonrpc: '2.0', id: j, ...c }))),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const body = (await res.json()) as Array<{ id: number; result?: unknown; error?: unknown }> | { error?: { message: string } };
    if (!Array.isArray(body)) throw new Error(`batch refused: ${body.error?.message ?? res.status}`);
    const byId = new Map(body.map((r) => [r.id, r]));
    for (let j = 0; j < chunk.length; j++) out.push(byId.get(j)?.result ?? undefined);
  }
  return out;
}

interface BlockJson {
  readonly hash: string;
  readonly height: number;
  readonly slot: number;
  readonly parentHash: string;
  readonly proposerIndex: number;
  readonly executionBlockHash: string;
  readonly executionBlockNumber: number;
  readonly pegIns: ReadonlyArray<{ readonly txid: string; readonly vout: number }>;
}

interface StatusJson {
  readonly head: { readonly height: number; readonly hash: string } | null;
  readonly finalized: number | null;
  readonly sync: ChainSyncStatus | null;
  readonly producedBlocks: number;
  readonly pegs: { readonly recovered?: boolean } | null;
}

interface PegOutJson {
  readonly id: string;
  readonly state: PegOutStatus;
  readonly destination: string;
  readonly amountSats: string;
  readonly burnBlockHeight: number;
  readonly payoutTxid: string | null;
}

interface Receipt {
  readonly blockNumber: number;
  readonly success: boolean;
  readonly gasWei: bigint;
  readonly from: string;
}

/** What one node is, as the observer tracks it across rounds and restarts. */
class NodeTrack {
  incarnation = -1;
  accepted: AcceptedRecord[] = [];
  acceptedHashes = new Set<string>();
  committed = new Set<string>();
  /** The previous incarnation's committed blocks, looked up once in the new one. */
  toRecheck: Set<string> | undefined;
  readonly mintedIn = new Map<string, string[]>();
  /** Receipts at or below a finalized block never change: kept. */
  readonly finalReceipts = new Map<string, Receipt>();
}

export interface ObservedNode {
  readonly id: string;
  readonly rpc: string;
  readonly gethRpc: string;
  /** False while its process is killed or stopped. */
  readonly up: boolean;
  /** Bumped at each restart. */
  readonly incarnation: number;
}

export class DevnetObserver {
  private readonly tracks = new Map<string, NodeTrack>();

  constructor(
    private readonly o: {
      readonly users: () => readonly string[];
      readonly burns: () => ReadonlyArray<{ readonly hash: string }>;
      readonly includedBurns: () => readonly string[];
      /** A receipt seen in a node's finalized chain: the users' ledger must know the burn before it is judged. */
      readonly onReceipt: (hash: string, success: boolean) => void;
    },
  ) {}

  /** One node's snapshot; view undefined when it is down or did not answer in time. */
  async node(n: ObservedNode): Promise<NodeSnapshot<BridgeNodeView>> {
    const base = { id: n.id, up: n.up, byzantine: false, incarnation: n.incarnation };
    if (!n.up) return { ...base, view: undefined };
    try {
      return { ...base, view: await this.view(n) };
    } catch {
      return { ...base, view: undefined };
    }
  }

  private async view(n: ObservedNode): Promise<BridgeNodeView | undefined> {
    let t = this.tracks.get(n.id);
    if (t === undefined) {
      t = new NodeTrack();
      this.tracks.set(n.id, t);
    }
    const [status] = (await rpcBatch(n.rpc, [{ method: 'status', params: [] }])) as [StatusJson | undefined];
    if (status?.head === undefined || status.head === null || status.finalized === null || status.sync === null) return undefined;
    const head = status.head;
    const blocks = (await rpcBatch(n.rpc, Array.from({ length: head.height + 1 }, (_, h) => ({ method: 'getblockbyheight', params: [h] })))) as Array<BlockJson | undefined | null>;
    if (blocks.some((b) => b === undefined || b === null)) return undefined;
    const branch = blocks as BlockJson[];
    if (t.incarnation !== n.incarnation) {
      t.toRecheck = t.incarnation === -1 ? undefined : t.committed;
      t.incarnation = n.incarnation;
      t.accepted = [];
      t.acceptedHashes = new Set();
      t.committed = new Set();
    }
    for (const b of branch) {
      t.committed.add(b.hash);
      t.mintedIn.set(b.hash, b.pegIns.map((p) => outpointKey(p.txid, p.vout)));
      if (t.acceptedHashes.has(b.hash)) continue;
      t.acceptedHashes.add(b.hash);
      t.accepted.push(acceptedRecord(b));
    }
    // A restarted node must still hold every block it reported committed before: off its head's
    // branch (a fork it left) it answers getblockbyhash.
    if (t.toRecheck !== undefined) {
      const missing = [...t.toRecheck].filter((h) => !t.committed.has(h));
      const found = (await rpcBatch(n.rpc, missing.map((h) => ({ method: 'getblockbyhash', params: [h] })))) as Array<BlockJson | null | undefined>;
      if (found.some((b) => b === undefined)) return undefined;
      missing.forEach((h, i) => {
        if (found[i] !== null) t.committed.add(h);
      });
      t.toRecheck = undefined;
    }
    const finalized = branch.slice(0, status.finalized + 1).map((b) => b.hash);
    const fin = branch[status.finalized] as BlockJson;
    const included = this.o.includedBurns();
    const reports = (await rpcBatch(n.rpc, included.map((h) => ({ method: 'getpegout', params: [h] })))) as Array<PegOutJson[] | null | undefined>;
    const operations: PegOutOperation[] = [];
    reports.forEach((r, i) => {
      for (const op of r ?? []) operations.push(pegOutOperation(op, included[i] as string));
    });
    const bridge: BridgeView = { recovered: status.pegs?.recovered === true && !reports.includes(undefined), operations, paused: false, federationVersion: 0, federationAddress: '' };
    const execution = await this.execution(n, t, fin).catch(() => undefined);
    return {
      recovered: true,
      authorityIndex: undefined,
      headHeight: head.height,
      headHash: head.hash,
      finalized,
      committed: t.committed,
      accepted: t.accepted,
      producedBlocks: status.producedBlocks,
      productions: [],
      penalties: 0,
      sync: status.sync,
      mintedIn: t.mintedIn,
      finalizedPayloadHash: fin.executionBlockHash.replace(/^0x/, ''),
      bridge,
      ...(execution !== undefined ? { execution } : {}),
    };
  }

  /**
   * The node's Geth at its finalized block. A user's balance there is what the peg made it plus
   * the gas its burns paid: the simulated execution client charges no gas, Geth does, and the
   * peg's money is what the checker judges.
   */
  private async execution(n: ObservedNode, t: NodeTrack, fin: BlockJson): Promise<ExecutionReader> {
    const at = fin.executionBlockHash;
    const number = fin.executionBlockNumber;
    const pending = this.o.burns().filter((b) => !t.finalReceipts.has(b.hash));
    const receipts = (await rpcBatch(n.gethRpc, pending.map((b) => ({ method: 'eth_getTransactionReceipt', params: [b.hash] })))) as Array<{ blockNumber: string; status: string; gasUsed: string; effectiveGasPrice: string; from: string } | null | undefined>;
    pending.forEach((b, i) => {
      const r = receipts[i];
      if (r === undefined || r === null || Number(r.blockNumber) > number) return;
      t.finalReceipts.set(b.hash, { blockNumber: Number(r.blockNumber), success: r.status === '0x1', gasWei: BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice), from: r.from.toLowerCase() });
      this.o.onReceipt(b.hash, r.status === '0x1');
    });
    const users = this.o.users();
    const balances = (await rpcBatch(n.gethRpc, users.map((u) => ({ method: 'eth_getBalance', params: [u, { blockHash: at }] })))) as Array<string | undefined>;
    if (balances.some((b) => b === undefined)) throw new Error(`${n.id}'s Geth has no state at ${at}`);
    const gas = new Map<string, bigint>();
    const includedHere = new Set<string>();
    for (const [hash, r] of t.finalReceipts) {
      gas.set(r.from, (gas.get(r.from) ?? 0n) + r.gasWei);
      if (r.success) includedHere.add(hash);
    }
    const byUser = new Map(users.map((u, i) => [u.toLowerCase(), BigInt(balances[i] as string) + (gas.get(u.toLowerCase()) ?? 0n)]));
    const atHex = at.replace(/^0x/, '').toLowerCase();
    const same = (a: Uint8Array | undefined): void => {
      if (a !== undefined && toHex(a).toLowerCase() !== atHex) throw new Error(`asked about ${toHex(a).slice(0, 12)}, observed at ${atHex.slice(0, 12)}`);
    };
    return {
      balanceOf(address, a) {
        same(a);
        const v = byUser.get(`0x${toHex(address).toLowerCase()}`);
        if (v === undefined) throw new Error(`the observer did not read the balance of 0x${toHex(address)}`);
        return v;
      },
      includedBurns(a) {
        same(a);
        return includedHere;
      },
    };
  }
}

function acceptedRecord(b: BlockJson): AcceptedRecord {
  // Signatures and payload parents are not in the RPC's block summary; no checker the nemesis runs reads them.
  return {
    hash: fromHex(b.hash),
    slot: b.slot,
    height: b.height,
    proposerIndex: b.proposerIndex,
    signature: EMPTY,
    approvalSigners: [],
    approvalSignature: EMPTY,
    parentHash: fromHex(b.parentHash),
    payload: { blockHash: fromHex(b.executionBlockHash), parentHash: EMPTY, blockNumber: b.executionBlockNumber },
  };
}

function pegOutOperation(op: PegOutJson, burnTxHash: string): PegOutOperation {
  return {
    id: op.id,
    status: op.state,
    burnTxHash,
    blockHeight: op.burnBlockHeight,
    destination: op.destination,
    amountSats: BigInt(op.amountSats),
    ...(op.payoutTxid !== null ? { txid: op.payoutTxid } : {}),
    attempts: 0,
  };
}

/** Bitcoin's main chain as btcd reports it, read incrementally (blocks cached by hash). */
export class BtcdObserver {
  private chain: Array<{ hash: string; txs: bitcoin.Transaction[] }> = [];
  private readonly ids = new WeakMap<bitcoin.Transaction, string>();
  /**
   * The highest fee rate btcd estimated during the run. Its estimate moves (it restarts, mempools
   * fill and empty), and a payout is built at the rate of its moment: the fee checker bounds fees
   * by the highest rate Bitcoin asked for, not by the rate at the end of the run.
   */
  private feeRate = 2n;

  noteFeeRate(rate: bigint): void {
    if (rate > this.feeRate) this.feeRate = rate;
  }

  /** Reads what changed since the last look; keeps the last view if btcd does not answer. */
  async refresh(rpc: BitcoinRpc): Promise<void> {
    const tip = await rpc.getBlockCount();
    // Re-check the last few hashes (a reorg), then read what is new.
    let from = Math.max(0, Math.min(this.chain.length, tip + 1) - 6);
    for (; from < this.chain.length && from <= tip; from++) {
      if ((await rpc.getBlockHash(from)) !== this.chain[from]?.hash) break;
    }
    const next = this.chain.slice(0, from);
    for (let h = from; h <= tip; h++) {
      const hash = await rpc.getBlockHash(h);
      const block = await rpc.getBlock(hash);
      next.push({ hash, txs: block.txs.map((raw) => bitcoin.Transaction.fromBuffer(raw)) });
    }
    this.chain = next;
    this.noteFeeRate(await rpc.estimateFeeRate());
  }

  /** The chain as last read, in the records the peg's checkers read. */
  snapshot(): BitcoinObservation {
    const chain = this.chain;
    const ids = this.ids;
    const idOf = (tx: bitcoin.Transaction): string => {
      let id = ids.get(tx);
      if (id === undefined) {
        id = tx.getId();
        ids.set(tx, id);
      }
      return id;
    };
    const heightOf = new Map<string, number>();
    chain.forEach((b, h) => {
      for (const tx of b.txs) heightOf.set(idOf(tx), h);
    });
    const height = chain.length - 1;
    return {
      height,
      blocks: chain,
      feeRateSatPerVb: this.feeRate,
      idOf,
      *confirmedTxs() {
        for (const [h, b] of chain.entries()) for (const tx of b.txs) yield { tx, height: h };
      },
      confirmations: (txid) => {
        const h = heightOf.get(txid);
        return h === undefined ? undefined : height - h + 1;
      },
      canNeverConfirm: (tx) => {
        if (heightOf.has(idOf(tx))) return false;
        const spentBy = new Map<string, string>();
        for (const b of chain) for (const t of b.txs) for (const i of t.ins) spentBy.set(`${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`, idOf(t));
        return tx.ins.some((i) => {
          const by = spentBy.get(`${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`);
          return by !== undefined && by !== idOf(tx);
        });
      },
      listUnspent: (script, minConfirmations) => {
        const spent = new Set<string>();
        for (const b of chain) for (const tx of b.txs) for (const i of tx.ins) spent.add(`${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`);
        const out: Array<{ confirmations: number }> = [];
        chain.forEach((b, h) => {
          for (const tx of b.txs) {
            tx.outs.forEach((o, vout) => {
              const c = height - h + 1;
              if (toHex(o.script) === toHex(script) && !spent.has(`${idOf(tx)}:${vout}`) && c >= minConfirmations) out.push({ confirmations: c });
            });
          }
        });
        return out;
      },
    };
  }
}
