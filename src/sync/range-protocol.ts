// Sync's request/response: a range request with an id, and one response carrying the blocks
// (length-prefixed inside SSZ), so a batch arrives as one message whose size the network charges.
import { ContainerType, ListCompositeType } from '@chainsafe/ssz';
import { DecodeError, decodeWith } from '../codec/block-codec.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { SignedConsensusBlockSsz, Uint64 } from '../types/ssz.ts';

export const MAX_BATCH = 1_024;

const RangeRequestSsz = new ContainerType({ requestId: Uint64, startHeight: Uint64, count: Uint64 });
const StatusSsz = new ContainerType({ height: Uint64 });
const RangeResponseSsz = new ContainerType({ requestId: Uint64, blocks: new ListCompositeType(SignedConsensusBlockSsz, MAX_BATCH) });

export type SyncWire =
  | { readonly kind: 'request'; readonly requestId: number; readonly startHeight: number; readonly count: number }
  | { readonly kind: 'response'; readonly requestId: number; readonly blocks: readonly SignedConsensusBlock[] }
  /** A serving peer announces its best height. */
  | { readonly kind: 'status'; readonly height: number };

export function encodeSync(m: SyncWire): Uint8Array {
  const body =
    m.kind === 'request'
      ? RangeRequestSsz.serialize(m)
      : m.kind === 'status'
        ? StatusSsz.serialize({ height: m.height })
        : RangeResponseSsz.serialize({ requestId: m.requestId, blocks: [...m.blocks] });
  const out = new Uint8Array(body.length + 1);
  out[0] = m.kind === 'request' ? 0x51 : m.kind === 'response' ? 0x52 : 0x53;
  out.set(body, 1);
  return out;
}

/** Sync frames and the chain's wire messages share a connection; the first byte tells them apart. */
export function isSyncFrame(bytes: Uint8Array): boolean {
  return bytes[0] === 0x51 || bytes[0] === 0x52 || bytes[0] === 0x53;
}

export function decodeSync(bytes: Uint8Array): SyncWire {
  const body = bytes.subarray(1);
  if (bytes[0] === 0x51) {
    const r = decodeWith(RangeRequestSsz, body, 'range request', 64);
    return { kind: 'request', requestId: r.requestId, startHeight: r.startHeight, count: Math.min(r.count, MAX_BATCH) };
  }
  if (bytes[0] === 0x52) {
    const r = decodeWith(RangeResponseSsz, body, 'range response', 64 * 1024 * 1024);
    return { kind: 'response', requestId: r.requestId, blocks: r.blocks };
  }
  if (bytes[0] === 0x53) return { kind: 'status', height: decodeWith(StatusSsz, body, 'status', 16).height };
  throw new DecodeError('UNKNOWN_TOPIC', 'sync message', `tag ${bytes[0]}`);
}
