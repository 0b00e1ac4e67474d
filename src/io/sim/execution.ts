// An in-memory execution client for the simulation: payloads get deterministic hashes built from
// the parent, timestamp, transactions and withdrawals; withdrawals credit balances; a scenario can
// make it slow, answer SYNCING or INVALID, or crash (calls never answer until it is back).
import { sha256 } from '@noble/hashes/sha2.js';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import { completeLater } from './complete-later.ts';
import type { ExecutionPayload } from '../../types/chain.ts';
import { concat, toHex } from '../../types/hex.ts';
import type { EngineCallOptions, EvmLog, ExecutionClient, ForkchoiceState, PayloadAttributes, PayloadStatus } from '../execution.ts';
import { BRIDGE_ADDRESS, encodePegOutLog } from '../../bridge/pegout-request.ts';

export interface SimExecutionOptions {
  readonly scheduler: Scheduler;
  readonly owner: Owner;
  /** Virtual ms per call (a slow engine is a scenario). */
  latencyMs: number;
  /** Virtual ms of a forkchoiceUpdated without attributes (moving the head); latencyMs when absent. */
  readonly forkchoiceLatencyMs?: number;
  /** Transactions the scripted source puts in each built payload. */
  readonly txsPerBlock: number;
  /** Users' burns waiting to be included (shared by every node's execution client, as a txpool is). */
  readonly burns?: BurnPool;
}

/** A user's call to the bridge contract: burn `wei` from `from`, pay `destination` on Bitcoin. */
export interface BurnTx {
  readonly id: string;
  /** 0x-prefixed EVM address. */
  readonly from: string;
  readonly destination: string;
  readonly wei: bigint;
}

export interface BurnPool {
  readonly burns: readonly BurnTx[];
}

const BURN_PREFIX = 'burn:';
const encodeBurn = (b: BurnTx): Uint8Array => enc.encode(`${BURN_PREFIX}${JSON.stringify({ ...b, wei: b.wei.toString() })}`);
function decodeBurn(tx: Uint8Array): BurnTx | undefined {
  const text = new TextDecoder().decode(tx);
  if (!text.startsWith(BURN_PREFIX)) return undefined;
  const o = JSON.parse(text.slice(BURN_PREFIX.length)) as { id: string; from: string; destination: string; wei: string };
  return { id: o.id, from: o.from, destination: o.destination, wei: BigInt(o.wei) };
}

interface StoredBlock {
  readonly payload: ExecutionPayload;
  readonly balances: ReadonlyMap<string, bigint>;
  /** Burns included in this block and its ancestors (shared with the parent when none are new). */
  readonly included: ReadonlySet<string>;
  readonly logs: readonly EvmLog[];
}

const enc = new TextEncoder();

export function payloadHash(p: Omit<ExecutionPayload, 'blockHash'>): Uint8Array {
  const parts: Uint8Array[] = [p.parentHash, enc.encode(`${p.blockNumber}:${p.timestamp}:${p.gasUsed}`), p.feeRecipient, p.prevRandao];
  for (const tx of p.transactions) parts.push(sha256(tx));
  for (const w of p.withdrawals) parts.push(enc.encode(`${w.index}:${w.amount}:`), w.address);
  return sha256(concat(...parts));
}

export class ExecutionUnavailable extends Error {
  constructor(detail: string) {
    super(`execution client unavailable: ${detail}`);
    this.name = 'ExecutionUnavailable';
  }
}

export class SimExecution implements ExecutionClient {
  private readonly blocks = new Map<string, StoredBlock>();
  private readonly building = new Map<string, ExecutionPayload>();
  private head: string;
  private nextPayloadId = 0;
  /** Scenario switches. */
  mode: 'ok' | 'syncing' | 'invalid' = 'ok';
  /** While down, calls fail as a refused connection would. */
  down = false;
  /** While set, every V3 method fails as a client without Cancun answers (the rollout scenario's fault). */
  v3Failing = false;
  calls = 0;
  executed = 0;

  constructor(
    private readonly o: SimExecutionOptions,
    genesis: ExecutionPayload,
  ) {
    this.head = toHex(genesis.blockHash);
    this.blocks.set(this.head, { payload: genesis, balances: new Map(), included: new Set(), logs: [] });
  }

  /** Burns included in the chain ending at `at` (the head when absent). */
  includedBurns(at?: Uint8Array): ReadonlySet<string> {
    return this.blocks.get(at === undefined ? this.head : toHex(at))?.included ?? new Set();
  }

  balanceOf(address: Uint8Array, at?: Uint8Array): bigint {
    const b = this.blocks.get(at === undefined ? this.head : toHex(at));
    return b?.balances.get(toHex(address)) ?? 0n;
  }

  headHash(): string {
    return this.head;
  }

  forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes, options?: EngineCallOptions): Promise<{ status: PayloadStatus; payloadId?: string }> {
    return this.later(() => {
      this.refuseV3(options, 'engine_forkchoiceUpdatedV3');
      if (this.mode === 'syncing') return { status: { status: 'SYNCING' } };
      const key = toHex(state.headBlockHash);
      const parent = this.blocks.get(key);
      if (parent === undefined) return { status: { status: 'SYNCING' } };
      this.head = key;
      if (attributes === undefined) return { status: { status: 'VALID', latestValidHash: state.headBlockHash } };
      const burns = (this.o.burns?.burns ?? []).filter((b) => !parent.included.has(b.id)).slice(0, 16);
      const txs = [...Array.from({ length: this.o.txsPerBlock }, (_, i) => enc.encode(`tx:${parent.payload.blockNumber + 1}:${i}`)), ...burns.map(encodeBurn)];
      const body = {
        parentHash: state.headBlockHash,
        feeRecipient: attributes.suggestedFeeRecipient,
        stateRoot: sha256(enc.encode(`state:${key}:${attributes.withdrawals.length}`)),
        receiptsRoot: new Uint8Array(32),
        logsBloom: new Uint8Array(256),
        prevRandao: attributes.prevRandao,
        blockNumber: parent.payload.blockNumber + 1,
        gasLimit: 30_000_000,
        gasUsed: 21_000 * txs.length,
        timestamp: attributes.timestamp,
        extraData: new Uint8Array(0),
        baseFeePerGas: 7n,
        transactions: txs,
        withdrawals: [...attributes.withdrawals],
      };
      const payload: ExecutionPayload = { ...body, blockHash: payloadHash(body) };
      const id = `p${this.nextPayloadId++}`;
      this.building.set(id, payload);
      return { status: { status: 'VALID', latestValidHash: state.headBlockHash }, payloadId: id };
    }, attributes === undefined ? (this.o.forkchoiceLatencyMs ?? this.o.latencyMs) : this.o.latencyMs);
  }

  getPayload(payloadId: string): Promise<ExecutionPayload> {
    return this.later(() => {
      const p = this.building.get(payloadId);
      if (p === undefined) throw new Error(`unknown payload id ${payloadId}`);
      this.building.delete(payloadId);
      return p;
    });
  }

  newPayload(payload: ExecutionPayload, options?: EngineCallOptions): Promise<PayloadStatus> {
    return this.later((): PayloadStatus => {
      this.refuseV3(options, 'engine_newPayloadV3');
      if (this.mode === 'syncing') return { status: 'SYNCING' };
      const { blockHash, ...body } = payload;
      const want = payloadHash(body);
      if (this.mode === 'invalid' || toHex(want) !== toHex(blockHash)) {
        return { status: 'INVALID', validationError: 'block hash does not match the payload' };
      }
      const parent = this.blocks.get(toHex(payload.parentHash));
      if (parent === undefined) return { status: 'SYNCING' };
      const key = toHex(blockHash);
      if (!this.blocks.has(key)) {
        this.blocks.set(key, applyBlock(parent, payload));
        this.executed++;
      }
      return { status: 'VALID', latestValidHash: blockHash };
    });
  }

  getLogs(blockHash: Uint8Array, address: string): Promise<readonly EvmLog[]> {
    return this.later(() => {
      const b = this.blocks.get(toHex(blockHash));
      if (b === undefined) throw new Error(`unknown block 0x${toHex(blockHash)}`);
      return b.logs.filter((l) => l.address === address.toLowerCase());
    }, 1);
  }

  private refuseV3(options: EngineCallOptions | undefined, method: string): void {
    if (options?.version === 3 && this.v3Failing) throw new Error(`${method}: Unsupported fork`);
  }

  private later<T>(fn: () => T, latencyMs = this.o.latencyMs): Promise<T> {
    this.calls++;
    return completeLater(this.o.scheduler, this.o.owner, latencyMs, fn, () =>
      this.down ? new ExecutionUnavailable('connection refused') : undefined,
    );
  }
}

/** Executes a payload on its parent's state: withdrawals (peg-ins) credit, then burns debit and log. */
function applyBlock(parent: StoredBlock, payload: ExecutionPayload): StoredBlock {
  const balances = new Map(parent.balances);
  // Alys mints peg-ins as withdrawals: amount in gwei, credited in wei.
  for (const w of payload.withdrawals) {
    const a = toHex(w.address);
    balances.set(a, (balances.get(a) ?? 0n) + BigInt(w.amount) * 1_000_000_000n);
  }
  const logs: EvmLog[] = [];
  let included: Set<string> | undefined;
  payload.transactions.forEach((tx) => {
    const burn = decodeBurn(tx);
    if (burn === undefined) return;
    included ??= new Set(parent.included);
    included.add(burn.id);
    const from = burn.from.slice(2).toLowerCase();
    const balance = balances.get(from) ?? 0n;
    // A burn of more than the balance reverts: no event, nothing burned.
    if (balance < burn.wei) return;
    balances.set(from, balance - burn.wei);
    const { topics, data } = encodePegOutLog(burn.from as `0x${string}`, burn.destination, burn.wei);
    logs.push({ address: BRIDGE_ADDRESS, topics, data, transactionHash: `0x${toHex(sha256(tx))}`, logIndex: logs.length });
  });
  return { payload, balances, included: included ?? parent.included, logs };
}
