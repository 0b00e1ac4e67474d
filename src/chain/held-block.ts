// A committed block as the chain keeps it in memory: everything but its execution payload's
// transactions, which stay on disk. A decoded transaction is its own small buffer and object: 5,000
// blocks of 100 transfers held 165 MB, and a chain that only grows held more every day. Serving a
// block, or handing it to the execution client again, reads the whole block back from storage.
import { BitArray } from '@chainsafe/ssz';
import type { ConsensusBlock, ExecutionPayload, SignedConsensusBlock } from '../types/chain.ts';

/**
 * What the block pipeline reads of a block the chain holds: everything but the transactions. A
 * whole block is one too, so a segment's staged blocks answer without a copy.
 */
export interface BlockView extends Omit<SignedConsensusBlock, 'message'> {
  readonly message: Omit<ConsensusBlock, 'executionPayload'> & { readonly executionPayload: Omit<ExecutionPayload, 'transactions'> };
}

export interface HeldPayload extends Omit<ExecutionPayload, 'transactions'> {
  readonly transactionCount: number;
}

export interface HeldMessage extends Omit<ConsensusBlock, 'executionPayload'> {
  readonly executionPayload: HeldPayload;
}

export interface HeldBlock extends Omit<SignedConsensusBlock, 'message'> {
  readonly message: HeldMessage;
}

/** The block without its transactions, its byte fields copied out of the decoded block's buffer. */
export function hold(signed: SignedConsensusBlock): HeldBlock {
  const { transactions, ...payload } = signed.message.executionPayload;
  return detach({ ...signed, message: { ...signed.message, executionPayload: { ...payload, transactionCount: transactions.length } } });
}

/**
 * A deep copy whose bytes are its own: a decoded block's fields are views into the block's bytes
 * (decodeBlock), and a held block that kept one view would keep every transaction alive with it.
 */
export function detach<T>(v: T): T {
  if (v instanceof Uint8Array) return v.slice() as T;
  if (v instanceof BitArray) return new BitArray(v.uint8Array.slice(), v.bitLen) as T;
  if (Array.isArray(v)) return v.map(detach) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = detach(x);
    return out as T;
  }
  return v;
}
