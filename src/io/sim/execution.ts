// An in-memory execution client for the simulation, as strict as Geth: a block hash that covers
// every payload field, execution that must reproduce the state root, receipts, bloom and gas, and
// the Engine API statuses Geth gives (see SimExecution). Withdrawals credit balances and burns on
// the bridge contract emit logs; a scenario can make it slow, answer SYNCING or INVALID, or crash
// (calls never answer until it is back).
import { sha256 } from '../../crypto/sha256.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import { completeLater } from './complete-later.ts';
import type { ExecutionPayload } from '../../types/chain.ts';
import { concat, equalBytes, toHex } from '../../types/hex.ts';
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
const burnPrefixBytes = new TextEncoder().encode(BURN_PREFIX);
const dec = new TextDecoder();
function decodeBurn(tx: Uint8Array): BurnTx | undefined {
  // Most transactions are not burns: the prefix is compared as bytes before any text is decoded.
  if (tx.length < burnPrefixBytes.length) return undefined;
  for (let i = 0; i < burnPrefixBytes.length; i++) if (tx[i] !== burnPrefixBytes[i]) return undefined;
  const text = dec.decode(tx);
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
const ZERO32 = new Uint8Array(32);

const u64 = (n: number | bigint): Uint8Array => {
  const out = new Uint8Array(8);
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
    // Heights, times and amounts: big-endian from two 32-bit halves, without a DataView and a BigInt
    // per field (they were a fifth of the model's time).
    const hi = Math.floor(n / 0x1_0000_0000);
    const lo = n >>> 0;
    out[0] = hi >>> 24;
    out[1] = (hi >>> 16) & 0xff;
    out[2] = (hi >>> 8) & 0xff;
    out[3] = hi & 0xff;
    out[4] = lo >>> 24;
    out[5] = (lo >>> 16) & 0xff;
    out[6] = (lo >>> 8) & 0xff;
    out[7] = lo & 0xff;
    return out;
  }
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
};
const u256 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
/** A variable-length field, length-prefixed so that no two payloads serialize alike. */
const bytes = (b: Uint8Array): Uint8Array => concat(u64(b.length), b);

/**
 * The block hash: a digest of every field of the payload but the hash itself, as Geth's is of the
 * whole header (which commits to the transactions and withdrawals through their roots). Change any
 * field and the hash no longer matches.
 */
export function payloadHash(p: Omit<ExecutionPayload, 'blockHash'>, txHashes: readonly Uint8Array[] = hashTxs(p.transactions)): Uint8Array {
  const parts: Uint8Array[] = [
    p.parentHash,
    p.feeRecipient,
    p.stateRoot,
    p.receiptsRoot,
    p.logsBloom,
    p.prevRandao,
    u64(p.blockNumber),
    u64(p.gasLimit),
    u64(p.gasUsed),
    u64(p.timestamp),
    bytes(p.extraData),
    u256(p.baseFeePerGas),
    u64(p.transactions.length),
  ];
  for (const h of txHashes) parts.push(h);
  parts.push(u64(p.withdrawals.length));
  for (const w of p.withdrawals) parts.push(u64(w.index), u64(w.validatorIndex), w.address, u64(w.amount));
  return sha256(concat(...parts));
}

/** Each transaction's hash: computed once per payload and handed to the block hash and execution. */
const hashTxs = (txs: readonly Uint8Array[]): Uint8Array[] => txs.map((tx) => sha256(tx));

/** Gas of one transaction in the model (every transaction is a plain transfer's worth). */
export const SIM_TX_GAS = 21_000;
const ELASTICITY = 2;
const BASE_FEE_CHANGE_DENOMINATOR = 8n;

/** EIP-1559: the base fee a child of `parent` must carry (what Geth's CalcBaseFee computes). */
export function nextBaseFee(parent: Pick<ExecutionPayload, 'gasLimit' | 'gasUsed' | 'baseFeePerGas'>): bigint {
  const target = BigInt(Math.floor(parent.gasLimit / ELASTICITY));
  const used = BigInt(parent.gasUsed);
  const fee = parent.baseFeePerGas;
  if (target === 0n || used === target) return fee;
  if (used > target) {
    const delta = (fee * (used - target)) / target / BASE_FEE_CHANGE_DENOMINATOR;
    return fee + (delta > 1n ? delta : 1n);
  }
  const delta = (fee * (target - used)) / target / BASE_FEE_CHANGE_DENOMINATOR;
  return fee - delta;
}

/** A gas limit Geth accepts after `parent`'s: within 1/1024 of it, and at least 5000. */
export function gasLimitAllowed(parentLimit: number, limit: number): boolean {
  return limit >= 5_000 && Math.abs(limit - parentLimit) < Math.floor(parentLimit / 1_024);
}

/** A 2048-bit bloom over the logs' addresses and topics (three bits each, as Ethereum's). */
const bloomHashes = new Map<string, Uint8Array>();
/** An address or topic's hash for the bloom; they repeat (one contract, one event), so kept. */
function bloomHash(item: string): Uint8Array {
  let h = bloomHashes.get(item);
  if (h === undefined) {
    h = sha256(enc.encode(item));
    if (bloomHashes.size < 10_000) bloomHashes.set(item, h);
  }
  return h;
}

function bloomOf(logs: readonly EvmLog[]): Uint8Array {
  const bloom = new Uint8Array(256);
  for (const l of logs) {
    for (const item of [l.address, ...l.topics]) {
      const h = bloomHash(item);
      for (let i = 0; i < 6; i += 2) {
        const bit = (((h[i] as number) << 8) | (h[i + 1] as number)) & 2047;
        bloom[255 - (bit >> 3)] = (bloom[255 - (bit >> 3)] as number) | (1 << (bit & 7));
      }
    }
  }
  return bloom;
}

/** The fields that executing the body on its parent's state determines. */
interface Derived {
  readonly stateRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly logsBloom: Uint8Array;
  readonly gasUsed: number;
}

/**
 * The model's state commitment: unchanged by an empty block (no block reward after the merge, as in
 * Geth), otherwise a digest of the parent's root and what the block applies. Receipts commit to each
 * transaction and the logs it emitted.
 */
function derive(
  parentStateRoot: Uint8Array,
  body: Pick<ExecutionPayload, 'transactions' | 'withdrawals'>,
  logs: readonly EvmLog[],
  txHashes: readonly Uint8Array[] = hashTxs(body.transactions),
): Derived {
  const stateRoot =
    body.transactions.length === 0 && body.withdrawals.length === 0
      ? parentStateRoot
      : sha256(concat(parentStateRoot, ...body.withdrawals.flatMap((w) => [u64(w.index), w.address, u64(w.amount)]), ...txHashes));
  const receiptsRoot = txHashes.length === 0 ? ZERO32 : sha256(concat(...txHashes, ...logs.map((l) => sha256(enc.encode(`${l.transactionHash}:${l.logIndex}:${l.data}`)))));
  return { stateRoot, receiptsRoot, logsBloom: bloomOf(logs), gasUsed: SIM_TX_GAS * body.transactions.length };
}

export interface ChildFields {
  readonly timestamp: number;
  readonly feeRecipient: Uint8Array;
  readonly prevRandao: Uint8Array;
  readonly extraData?: Uint8Array;
  readonly transactions?: readonly Uint8Array[];
  readonly withdrawals?: ExecutionPayload['withdrawals'];
}

/**
 * A payload on `parent` that this model (and its strictness) accepts, for transactions that emit no
 * logs: what a builder outside the execution client (a Byzantine proposer, a prebuilt sync chain)
 * can make from the parent payload alone.
 */
export function childPayload(parent: ExecutionPayload, f: ChildFields): ExecutionPayload {
  const transactions = [...(f.transactions ?? [])];
  const withdrawals = [...(f.withdrawals ?? [])];
  return sealPayload(parent, f, transactions, withdrawals, derive(parent.stateRoot, { transactions, withdrawals }, []));
}

function sealPayload(
  parent: ExecutionPayload,
  f: ChildFields,
  transactions: Uint8Array[],
  withdrawals: ExecutionPayload['withdrawals'],
  d: Derived,
  txHashes?: readonly Uint8Array[],
): ExecutionPayload {
  const body = {
    parentHash: parent.blockHash,
    feeRecipient: f.feeRecipient,
    stateRoot: d.stateRoot,
    receiptsRoot: d.receiptsRoot,
    logsBloom: d.logsBloom,
    prevRandao: f.prevRandao,
    blockNumber: parent.blockNumber + 1,
    gasLimit: parent.gasLimit,
    gasUsed: d.gasUsed,
    timestamp: f.timestamp,
    extraData: f.extraData ?? new Uint8Array(0),
    baseFeePerGas: nextBaseFee(parent),
    transactions,
    withdrawals,
  };
  return { ...body, blockHash: payloadHash(body, txHashes ?? hashTxs(transactions)) };
}

/** Thrown by forkchoiceUpdated for attributes Geth refuses (its JSON-RPC error -38003). */
export class InvalidPayloadAttributes extends Error {
  constructor(detail: string) {
    super(`invalid payload attributes: ${detail}`);
    this.name = 'InvalidPayloadAttributes';
  }
}

/**
 * Thrown by forkchoiceUpdated for a head that is a canonical ancestor more than MAX_REORG_DEPTH below
 * the current head: Geth refuses to rewind that far (its JSON-RPC error -38006, "Too deep reorg").
 */
export class TooDeepReorg extends Error {
  readonly code = -38006;
  constructor(depth: number) {
    super(`Too deep reorg: reorg depth ${depth} exceeds limit ${MAX_REORG_DEPTH}`);
    this.name = 'TooDeepReorg';
  }
}

/** Geth's --engine.maxreorgdepth default (go-ethereum v1.17 ethconfig.Defaults.EngineMaxReorgDepth). */
export const MAX_REORG_DEPTH = 32;

export class ExecutionUnavailable extends Error {
  constructor(detail: string) {
    super(`execution client unavailable: ${detail}`);
    this.name = 'ExecutionUnavailable';
  }
}

/**
 * The Engine API as Geth answers it (go-ethereum eth/catalyst/api.go), over an in-memory chain:
 * - newPayload: a payload whose hash does not match its fields is INVALID; a known block is VALID at
 *   once; a child of a block that failed execution is INVALID; a payload whose parent is unknown is
 *   SYNCING; a number that is not the parent's plus one, or a timestamp not after the parent's, is
 *   INVALID; then the block is executed on its parent's state, and a gas limit, base fee, state
 *   root, receipts root, bloom or gas used that execution does not reproduce is INVALID (and
 *   remembered as bad); a side branch executes and is VALID; a child of a block held without its
 *   state (after a crash) is ACCEPTED, neither executed nor kept.
 * - forkchoiceUpdated: the zero hash and a known-bad block are INVALID, an unknown head is SYNCING,
 *   a known one becomes the head (a reorg included; re-executed first if a crash lost its state) and is VALID; attributes whose timestamp is not
 *   after the head's are refused with an error, as Geth's builder refuses them. A head on the
 *   current head's own branch below it is a rewind: VALID and ignored below the finalized block,
 *   refused with an error (TooDeepReorg) more than MAX_REORG_DEPTH below the head, else made the head.
 */
export class SimExecution implements ExecutionClient {
  private readonly blocks = new Map<string, StoredBlock>();
  private readonly invalid = new Set<string>();
  /** Blocks held without their state since a crash (see crash). */
  private readonly stateless = new Set<string>();
  /** The head's branch above where a crash fell back to, while not synced again (see crash). */
  private readonly oldCanonical = new Set<string>();
  private synced = true;
  /** The number of the last block a forkchoiceUpdated named finalized: its state is on disk. */
  private finalizedNumber = 0;
  private readonly building = new Map<string, ExecutionPayload>();
  private head: string;
  private nextPayloadId = 0;
  /**
   * Killed: Geth keeps its newest state in memory and writes it out now and then (always up to the
   * block it was told is finalized), so a SIGKILL loses the state of its newest blocks: in the
   * nemesis on real Geth, a client 15 blocks high came back at 6. How much of the blocks themselves
   * it keeps depends on its state scheme: on the hash scheme a client 60 blocks high came back at 54
   * without blocks 55 to 60; on the path scheme it kept its blocks. So: the `forget` newest blocks
   * (never below the finalized block) are gone, every branch's; of what is left, the `lose` newest
   * blocks of the head's branch (never below the finalized block), and every block above the height
   * it falls back to, are held without their state; the head moves back, and the payloads being
   * built and the blocks it found invalid are forgotten. Until it is told its own head again it is
   * not synced, and ignores a head on its old chain (go-ethereum's forkchoiceUpdated: "Ignoring
   * beacon update to old head while syncing"). Then it answers as in newPayload and
   * forkchoiceUpdated below (SetCanonical's recoverAncestors, HasBlockAndState).
   */
  crash(lose: number, forget = 0): void {
    let at = this.blocks.get(this.head) as StoredBlock;
    // `by` blocks below `at`, never below the finalized block (unless `at` is) nor genesis.
    const back = (by: number): number => Math.max(Math.min(this.finalizedNumber, at.payload.blockNumber), at.payload.blockNumber - by, 0);
    const kept = back(forget);
    while (at.payload.blockNumber > kept) at = this.blocks.get(toHex(at.payload.parentHash)) as StoredBlock;
    for (const [k, b] of this.blocks) {
      if (b.payload.blockNumber <= kept) continue;
      this.blocks.delete(k);
      this.stateless.delete(k);
      this.oldCanonical.delete(k);
    }
    this.head = toHex(at.payload.blockHash);
    const keep = back(lose);
    while (at.payload.blockNumber > keep) {
      this.oldCanonical.add(toHex(at.payload.blockHash));
      at = this.blocks.get(toHex(at.payload.parentHash)) as StoredBlock;
    }
    for (const [k, b] of this.blocks) if (b.payload.blockNumber > keep) this.stateless.add(k);
    this.head = toHex(at.payload.blockHash);
    this.synced = this.oldCanonical.size === 0;
    this.building.clear();
    this.invalid.clear();
  }

  /**
   * Made the head, a block held without its state is re-executed from its newest ancestor that has
   * state (Geth's recoverAncestors): its state and its ancestors' are back.
   */
  private recoverState(key: string): void {
    for (let k: string | undefined = key; k !== undefined && this.stateless.has(k); ) {
      this.stateless.delete(k);
      const b = this.blocks.get(k);
      k = b === undefined ? undefined : toHex(b.payload.parentHash);
    }
  }

  /** Scenario switches. */
  mode: 'ok' | 'syncing' | 'invalid' = 'ok';
  /** While down, calls fail as a refused connection would. */
  down = false;
  /** While set, every V3 method fails as a client without Cancun answers (the rollout scenario's fault). */
  v3Failing = false;
  /** While lagging, the log index is behind: getLogs fails as for a block not yet indexed. */
  logsLagging = false;
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

  /** The payload of a block this client holds (the head when absent). */
  payloadOf(hash?: Uint8Array): ExecutionPayload | undefined {
    return this.blocks.get(hash === undefined ? this.head : toHex(hash))?.payload;
  }

  forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes, options?: EngineCallOptions): Promise<{ status: PayloadStatus; payloadId?: string }> {
    return this.later(() => {
      this.refuseV3(options, 'engine_forkchoiceUpdatedV3');
      if (this.mode === 'syncing') return { status: { status: 'SYNCING' } };
      const key = toHex(state.headBlockHash);
      if (equalBytes(state.headBlockHash, ZERO32)) return { status: { status: 'INVALID', validationError: 'forkchoice update to the zero hash' } };
      const parent = this.blocks.get(key);
      if (parent === undefined) {
        if (this.invalid.has(key)) return { status: { status: 'INVALID', validationError: 'links to previously rejected block' } };
        return { status: { status: 'SYNCING' } };
      }
      // Not synced since a crash: a head on the old chain above our own is ignored (and VALID).
      if (!this.synced && key !== this.head && this.oldCanonical.has(key)) return { status: { status: 'VALID', latestValidHash: state.headBlockHash } };
      const depth = this.rewindDepth(key, parent.payload.blockNumber);
      if (depth !== undefined && parent.payload.blockNumber < this.finalizedNumber) return { status: { status: 'VALID', latestValidHash: state.headBlockHash } };
      if (depth !== undefined && depth > MAX_REORG_DEPTH) throw new TooDeepReorg(depth);
      this.recoverState(key);
      this.head = key;
      this.synced = true;
      this.oldCanonical.clear();
      const fin = this.blocks.get(toHex(state.finalizedBlockHash));
      if (fin !== undefined) this.finalizedNumber = fin.payload.blockNumber;
      if (attributes === undefined) return { status: { status: 'VALID', latestValidHash: state.headBlockHash } };
      if (attributes.timestamp <= parent.payload.timestamp) {
        throw new InvalidPayloadAttributes(`timestamp ${attributes.timestamp} is not after the head's ${parent.payload.timestamp}`);
      }
      const burns = (this.o.burns?.burns ?? []).filter((b) => !parent.included.has(b.id)).slice(0, 16);
      const txs = [...Array.from({ length: this.o.txsPerBlock }, (_, i) => enc.encode(`tx:${parent.payload.blockNumber + 1}:${i}`)), ...burns.map(encodeBurn)];
      const withdrawals = [...attributes.withdrawals];
      const txHashes = hashTxs(txs);
      const { logs } = applyBlock(parent, { transactions: txs, withdrawals }, txHashes);
      const fields = { timestamp: attributes.timestamp, feeRecipient: attributes.suggestedFeeRecipient, prevRandao: attributes.prevRandao };
      const payload = sealPayload(parent.payload, fields, txs, withdrawals, derive(parent.payload.stateRoot, { transactions: txs, withdrawals }, logs, txHashes), txHashes);
      const id = `p${this.nextPayloadId++}`;
      this.building.set(id, payload);
      return { status: { status: 'VALID', latestValidHash: state.headBlockHash }, payloadId: id };
    }, attributes === undefined ? (this.o.forkchoiceLatencyMs ?? this.o.latencyMs) : this.o.latencyMs);
  }

  /** How far below the head `key` (at `number`) lies on the head's own branch; undefined when it is not an ancestor of the head. */
  private rewindDepth(key: string, number: number): number | undefined {
    let at = this.blocks.get(this.head);
    if (at === undefined || number >= at.payload.blockNumber) return undefined;
    const depth = at.payload.blockNumber - number;
    while (at !== undefined && at.payload.blockNumber > number) at = this.blocks.get(toHex(at.payload.parentHash));
    return at !== undefined && toHex(at.payload.blockHash) === key ? depth : undefined;
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
      if (this.mode === 'invalid') return { status: 'INVALID', validationError: 'engine fault: invalid' };
      const { blockHash, ...body } = payload;
      const txHashes = hashTxs(payload.transactions);
      const want = payloadHash(body, txHashes);
      if (!equalBytes(want, blockHash)) return { status: 'INVALID', validationError: `blockhash mismatch, want ${toHex(blockHash)}, got ${toHex(want)}` };
      if (payload.extraData.length > 32) return { status: 'INVALID', validationError: `invalid extradata length: ${payload.extraData.length}` };
      const key = toHex(blockHash);
      if (this.blocks.has(key)) return { status: 'VALID', latestValidHash: blockHash };
      if (this.invalid.has(key)) return { status: 'INVALID', validationError: 'links to previously rejected block' };
      const parentKey = toHex(payload.parentHash);
      const parent = this.blocks.get(parentKey);
      if (parent === undefined) {
        if (this.invalid.has(parentKey)) {
          this.invalid.add(key);
          return { status: 'INVALID', validationError: 'links to previously rejected block' };
        }
        return { status: 'SYNCING' };
      }
      // The pinned Geth (v1.17.10) answers this one before looking at anything else of the parent;
      // the differential table caught our first guess (SYNCING, from older sources).
      if (parent.payload.blockNumber + 1 !== payload.blockNumber) return { status: 'INVALID', validationError: 'invalid block number' };
      if (payload.timestamp <= parent.payload.timestamp) return { status: 'INVALID', validationError: 'invalid timestamp' };
      // Geth holds the parent but not its state: the payload is neither executed nor kept.
      if (this.stateless.has(parentKey)) return { status: 'ACCEPTED' };
      const executed = this.execute(parent, payload, txHashes);
      if (typeof executed === 'string') {
        this.invalid.add(key);
        return { status: 'INVALID', validationError: executed };
      }
      this.blocks.set(key, { payload, ...executed });
      this.executed++;
      return { status: 'VALID', latestValidHash: blockHash };
    });
  }

  /**
   * Executes `p` on its parent's state: what Geth's header verification and block processing would
   * refuse (a reason), or the state it leaves.
   */
  private execute(parent: StoredBlock, p: ExecutionPayload, txHashes: readonly Uint8Array[]): string | Omit<StoredBlock, 'payload'> {
    if (!gasLimitAllowed(parent.payload.gasLimit, p.gasLimit)) return `invalid gas limit: have ${p.gasLimit}, parent ${parent.payload.gasLimit}`;
    if (p.gasUsed > p.gasLimit) return `invalid gasUsed: have ${p.gasUsed}, gasLimit ${p.gasLimit}`;
    const fee = nextBaseFee(parent.payload);
    if (p.baseFeePerGas !== fee) return `invalid baseFee: have ${p.baseFeePerGas}, want ${fee}`;
    const applied = applyBlock(parent, p, txHashes);
    const logs = applied.logs;
    const d = derive(parent.payload.stateRoot, p, logs, txHashes);
    if (d.gasUsed !== p.gasUsed) return `invalid gas used (remote: ${p.gasUsed} local: ${d.gasUsed})`;
    if (!equalBytes(d.logsBloom, p.logsBloom)) return 'invalid bloom';
    if (!equalBytes(d.receiptsRoot, p.receiptsRoot)) return `invalid receipt root hash (remote: ${toHex(p.receiptsRoot)} local: ${toHex(d.receiptsRoot)})`;
    if (!equalBytes(d.stateRoot, p.stateRoot)) return `invalid merkle root (remote: ${toHex(p.stateRoot)} local: ${toHex(d.stateRoot)})`;
    return applied;
  }

  headBlock(): Promise<{ readonly number: number; readonly hash: Uint8Array }> {
    return this.later(() => {
      const b = this.blocks.get(this.head) as StoredBlock;
      return { number: b.payload.blockNumber, hash: b.payload.blockHash };
    }, 1);
  }

  getLogs(blockHash: Uint8Array, address: string): Promise<readonly EvmLog[]> {
    return this.later(() => {
      if (this.logsLagging) throw new Error(`logs of 0x${toHex(blockHash)} not indexed yet`);
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
function applyBlock(parent: StoredBlock, payload: Pick<ExecutionPayload, 'transactions' | 'withdrawals'>, txHashes?: readonly Uint8Array[]): Omit<StoredBlock, 'payload'> {
  const balances = new Map(parent.balances);
  // Alys mints peg-ins as withdrawals: amount in gwei, credited in wei.
  for (const w of payload.withdrawals) {
    const a = toHex(w.address);
    balances.set(a, (balances.get(a) ?? 0n) + BigInt(w.amount) * 1_000_000_000n);
  }
  const logs: EvmLog[] = [];
  let included: Set<string> | undefined;
  payload.transactions.forEach((tx, i) => {
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
    logs.push({ address: BRIDGE_ADDRESS, topics, data, transactionHash: `0x${toHex(txHashes?.[i] ?? sha256(tx))}`, logIndex: logs.length });
  });
  return { balances, included: included ?? parent.included, logs };
}
