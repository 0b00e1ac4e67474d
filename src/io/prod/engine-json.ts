// Engine API JSON ⇄ the node's ExecutionPayload: quantities as 0x-hex without leading zeros, data
// as 0x-hex. V3 (Deneb/Cancun) adds blobGasUsed and excessBlobGas to the payload; Alys blocks carry
// no blobs, so both are zero and are not stored in the consensus block.
import type { PayloadAttributes, PayloadStatus } from '../execution.ts';
import type { ExecutionPayload, Withdrawal } from '../../types/chain.ts';
import { fromHex, toHex } from '../../types/hex.ts';

export type Hex = `0x${string}`;
const data = (b: Uint8Array): Hex => `0x${toHex(b)}`;
const qty = (n: number | bigint): Hex => `0x${BigInt(n).toString(16)}`;

export class EngineJsonError extends Error {
  constructor(field: string, why: string) {
    super(`engine response: ${field}: ${why}`);
    this.name = 'EngineJsonError';
  }
}

function readData(o: Record<string, unknown>, field: string, bytes?: number): Uint8Array {
  const v = o[field];
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new EngineJsonError(field, `expected 0x-hex data, got ${JSON.stringify(v)?.slice(0, 40)}`);
  const b = fromHex(v);
  if (bytes !== undefined && b.length !== bytes) throw new EngineJsonError(field, `expected ${bytes} bytes, got ${b.length}`);
  return b;
}

function readQty(o: Record<string, unknown>, field: string): bigint {
  const v = o[field];
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v)) throw new EngineJsonError(field, `expected a 0x quantity, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return BigInt(v);
}

const withdrawalJson = (w: Withdrawal) => ({ index: qty(w.index), validatorIndex: qty(w.validatorIndex), address: data(w.address), amount: qty(w.amount) });

export function payloadToJson(p: ExecutionPayload, version: 2 | 3): Record<string, unknown> {
  return {
    parentHash: data(p.parentHash),
    feeRecipient: data(p.feeRecipient),
    stateRoot: data(p.stateRoot),
    receiptsRoot: data(p.receiptsRoot),
    logsBloom: data(p.logsBloom),
    prevRandao: data(p.prevRandao),
    blockNumber: qty(p.blockNumber),
    gasLimit: qty(p.gasLimit),
    gasUsed: qty(p.gasUsed),
    timestamp: qty(p.timestamp),
    extraData: data(p.extraData),
    baseFeePerGas: qty(p.baseFeePerGas),
    blockHash: data(p.blockHash),
    transactions: p.transactions.map(data),
    withdrawals: p.withdrawals.map(withdrawalJson),
    ...(version === 3 ? { blobGasUsed: '0x0', excessBlobGas: '0x0' } : {}),
  };
}

export function payloadFromJson(j: unknown): ExecutionPayload {
  if (typeof j !== 'object' || j === null) throw new EngineJsonError('executionPayload', 'not an object');
  const o = j as Record<string, unknown>;
  const txs = o.transactions;
  const ws = o.withdrawals;
  if (!Array.isArray(txs)) throw new EngineJsonError('transactions', 'not an array');
  if (!Array.isArray(ws)) throw new EngineJsonError('withdrawals', 'not an array (a pre-Shanghai payload?)');
  return {
    parentHash: readData(o, 'parentHash', 32),
    feeRecipient: readData(o, 'feeRecipient', 20),
    stateRoot: readData(o, 'stateRoot', 32),
    receiptsRoot: readData(o, 'receiptsRoot', 32),
    logsBloom: readData(o, 'logsBloom', 256),
    prevRandao: readData(o, 'prevRandao', 32),
    blockNumber: Number(readQty(o, 'blockNumber')),
    gasLimit: Number(readQty(o, 'gasLimit')),
    gasUsed: Number(readQty(o, 'gasUsed')),
    timestamp: Number(readQty(o, 'timestamp')),
    extraData: readData(o, 'extraData'),
    baseFeePerGas: readQty(o, 'baseFeePerGas'),
    blockHash: readData(o, 'blockHash', 32),
    transactions: txs.map((t: unknown, i) => readData({ [`transactions[${i}]`]: t }, `transactions[${i}]`)),
    withdrawals: ws.map((w: Record<string, unknown>) => ({
      index: Number(readQty(w, 'index')),
      validatorIndex: Number(readQty(w, 'validatorIndex')),
      address: readData(w, 'address', 20),
      amount: Number(readQty(w, 'amount')),
    })),
  };
}

export function attributesToJson(a: PayloadAttributes, version: 2 | 3, parentBeaconBlockRoot: Uint8Array): Record<string, unknown> {
  return {
    timestamp: qty(a.timestamp),
    prevRandao: data(a.prevRandao),
    suggestedFeeRecipient: data(a.suggestedFeeRecipient),
    withdrawals: a.withdrawals.map(withdrawalJson),
    ...(version === 3 ? { parentBeaconBlockRoot: data(parentBeaconBlockRoot) } : {}),
  };
}

export function statusFromJson(j: unknown): PayloadStatus {
  const o = (j ?? {}) as Record<string, unknown>;
  switch (o.status) {
    case 'VALID':
      return { status: 'VALID', latestValidHash: readData(o, 'latestValidHash', 32) };
    case 'INVALID':
    case 'INVALID_BLOCK_HASH':
      return { status: 'INVALID', validationError: typeof o.validationError === 'string' ? o.validationError : String(o.status) };
    case 'SYNCING':
    case 'ACCEPTED':
      return { status: o.status };
    default:
      throw new EngineJsonError('status', `unknown payload status ${JSON.stringify(o.status)}`);
  }
}
