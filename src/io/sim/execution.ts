// An in-memory execution client for the simulation: payloads get deterministic hashes built from
// the parent, timestamp, transactions and withdrawals; withdrawals credit balances; a scenario can
// make it slow, answer SYNCING or INVALID, or crash (calls never answer until it is back).
import { sha256 } from '@noble/hashes/sha2.js';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import { completeLater } from './complete-later.ts';
import type { ExecutionPayload } from '../../types/chain.ts';
import { concat, toHex } from '../../types/hex.ts';
import type { ExecutionClient, ForkchoiceState, PayloadAttributes, PayloadStatus } from '../execution.ts';

export interface SimExecutionOptions {
  readonly scheduler: Scheduler;
  readonly owner: Owner;
  /** Virtual ms per call (a slow engine is a scenario). */
  latencyMs: number;
  /** Virtual ms of a forkchoiceUpdated without attributes (moving the head); latencyMs when absent. */
  readonly forkchoiceLatencyMs?: number;
  /** Transactions the scripted source puts in each built payload. */
  readonly txsPerBlock: number;
}

interface StoredBlock {
  readonly payload: ExecutionPayload;
  readonly balances: ReadonlyMap<string, bigint>;
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
  calls = 0;
  executed = 0;

  constructor(
    private readonly o: SimExecutionOptions,
    genesis: ExecutionPayload,
  ) {
    this.head = toHex(genesis.blockHash);
    this.blocks.set(this.head, { payload: genesis, balances: new Map() });
  }

  balanceOf(address: Uint8Array, at?: Uint8Array): bigint {
    const b = this.blocks.get(at === undefined ? this.head : toHex(at));
    return b?.balances.get(toHex(address)) ?? 0n;
  }

  headHash(): string {
    return this.head;
  }

  forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes): Promise<{ status: PayloadStatus; payloadId?: string }> {
    return this.later(() => {
      if (this.mode === 'syncing') return { status: { status: 'SYNCING' } };
      const key = toHex(state.headBlockHash);
      const parent = this.blocks.get(key);
      if (parent === undefined) return { status: { status: 'SYNCING' } };
      this.head = key;
      if (attributes === undefined) return { status: { status: 'VALID', latestValidHash: state.headBlockHash } };
      const txs = Array.from({ length: this.o.txsPerBlock }, (_, i) => enc.encode(`tx:${parent.payload.blockNumber + 1}:${i}`));
      const body = {
        parentHash: state.headBlockHash,
        feeRecipient: attributes.suggestedFeeRecipient,
        stateRoot: sha256(enc.encode(`state:${key}:${attributes.withdrawals.length}`)),
        receiptsRoot: new Uint8Array(32),
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

  newPayload(payload: ExecutionPayload): Promise<PayloadStatus> {
    return this.later((): PayloadStatus => {
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
        const balances = new Map(parent.balances);
        // Alys mints peg-ins as withdrawals: amount in gwei, credited in wei.
        for (const w of payload.withdrawals) {
          const a = toHex(w.address);
          balances.set(a, (balances.get(a) ?? 0n) + BigInt(w.amount) * 1_000_000_000n);
        }
        this.blocks.set(key, { payload, balances });
        this.executed++;
      }
      return { status: 'VALID', latestValidHash: blockHash };
    });
  }

  private later<T>(fn: () => T, latencyMs = this.o.latencyMs): Promise<T> {
    this.calls++;
    return completeLater(this.o.scheduler, this.o.owner, latencyMs, fn, () =>
      this.down ? new ExecutionUnavailable('connection refused') : undefined,
    );
  }
}
