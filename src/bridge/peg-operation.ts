// A peg-out as a persisted state machine: Pending → Confirmed → SignatureRequested → Signed →
// Broadcast → Completed, or Failed (with a reason and whether a retry may succeed), or Refused: a burn
// that will never be paid (its log does not decode, its destination is no address of the network,
// it is below the minimum, or its payout would be dust), kept with the reason so that it can be
// looked up rather than left pending. Transitions are
// functions and a wrong one throws, so no code path can, say, broadcast what was never signed.
export type PegOutStatus = 'pending' | 'confirmed' | 'signature-requested' | 'signed' | 'broadcast' | 'completed' | 'failed' | 'refused';

export interface PegOutOperation {
  readonly id: string;
  readonly status: PegOutStatus;
  /** The burn: EVM transaction hash and log index, the Alys block it is in. */
  readonly burnTxHash: string;
  readonly blockHeight: number;
  readonly destination: string;
  readonly amountSats: bigint;
  /** The transaction being signed or paid (unsigned hex) and the inputs it spends. */
  readonly txHex?: string;
  readonly inputs?: ReadonlyArray<{ readonly txid: string; readonly vout: number; readonly amountSats: bigint; readonly witnessScriptHex: string }>;
  readonly requestId?: string;
  /** The signed transaction, once governance's witnesses verified. */
  readonly signedTxHex?: string;
  readonly txid?: string;
  readonly failure?: { readonly reason: string; readonly retryable: boolean };
  /** Why the burn will never be paid (a PegOutRefusal code) and the details. */
  readonly refusal?: { readonly reason: string; readonly detail: string };
  readonly attempts: number;
}

export class IllegalPegTransition extends Error {
  constructor(
    readonly id: string,
    readonly from: PegOutStatus,
    readonly to: PegOutStatus,
  ) {
    super(`peg-out ${id}: illegal transition ${from} -> ${to}`);
    this.name = 'IllegalPegTransition';
  }
}

const legal: Record<PegOutStatus, readonly PegOutStatus[]> = {
  pending: ['confirmed', 'failed', 'refused'],
  // Completed straight from here when another node's transaction paid it (every authority runs the
  // bridge; governance signs one transaction per peg-out and tells each of them which).
  confirmed: ['signature-requested', 'completed', 'failed', 'refused'],
  // A refused or unverifiable answer sends the operation back to be rebuilt or asked again.
  'signature-requested': ['signature-requested', 'signed', 'confirmed', 'completed', 'failed'],
  // A transaction the network refuses (its inputs were spent by another) is rebuilt.
  signed: ['broadcast', 'confirmed', 'failed'],
  // A reorg can drop a broadcast transaction: it is broadcast again.
  broadcast: ['broadcast', 'completed', 'confirmed'],
  completed: [],
  failed: ['confirmed', 'completed'],
  refused: [],
};

function move(op: PegOutOperation, to: PegOutStatus, patch: Partial<PegOutOperation> = {}): PegOutOperation {
  if (!legal[op.status].includes(to)) throw new IllegalPegTransition(op.id, op.status, to);
  return { ...op, ...patch, status: to };
}

export const PegOut = {
  create: (o: { id: string; burnTxHash: string; blockHeight: number; destination: string; amountSats: bigint }): PegOutOperation => ({ ...o, status: 'pending', attempts: 0 }),
  confirm: (op: PegOutOperation): PegOutOperation => move(op, 'confirmed'),
  requestSignature: (op: PegOutOperation, txHex: string, inputs: NonNullable<PegOutOperation['inputs']>, requestId: string): PegOutOperation =>
    move(op, 'signature-requested', { txHex, inputs, requestId, attempts: op.attempts + 1 }),
  signed: (op: PegOutOperation, signedTxHex: string, txid: string, txHex: string, inputs: NonNullable<PegOutOperation['inputs']>): PegOutOperation =>
    move(op, 'signed', { signedTxHex, txid, txHex, inputs }),
  broadcast: (op: PegOutOperation): PegOutOperation => move(op, 'broadcast'),
  complete: (op: PegOutOperation, txid?: string): PegOutOperation => move(op, 'completed', txid === undefined ? {} : { txid }),
  /** Back to Confirmed: build a new transaction (inputs gone, witnesses refused, tx dropped). */
  rebuild: (op: PegOutOperation): PegOutOperation => {
    const { txHex: _t, inputs: _i, requestId: _r, signedTxHex: _s, txid: _x, ...rest } = op;
    return move(rest as PegOutOperation, 'confirmed');
  },
  fail: (op: PegOutOperation, reason: string, retryable: boolean): PegOutOperation => move(op, 'failed', { failure: { reason, retryable } }),
  refuse: (op: PegOutOperation, reason: string, detail: string): PegOutOperation => move(op, 'refused', { refusal: { reason, detail } }),
  retry: (op: PegOutOperation): PegOutOperation => {
    if (op.failure?.retryable !== true) throw new IllegalPegTransition(op.id, op.status, 'confirmed');
    const { failure: _f, ...rest } = op;
    return move(rest as PegOutOperation, 'confirmed');
  },
};

/** Persisted form: JSON with amounts as decimal strings. */
export function encodePegOut(op: PegOutOperation): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

export function decodePegOut(bytes: Uint8Array): PegOutOperation {
  return JSON.parse(new TextDecoder().decode(bytes), (_k, v: unknown) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as PegOutOperation;
}
