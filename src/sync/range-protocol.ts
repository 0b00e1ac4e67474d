// Sync's request/response: a range request with an id, and one response carrying the blocks
// (length-prefixed inside SSZ), so a batch arrives as one message whose size the network charges.
import { ContainerType, ListCompositeType } from '@chainsafe/ssz';
import { DecodeError, decodeBlock, decodeWith } from '../codec/block-codec.ts';
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

/**
 * How many of `requested` blocks a response may carry within `maxBytes`, at `bytesPerBlock` (the
 * size of the blocks last served; 0 when unknown): halved until they fit, as a response found too
 * big once encoded is, so that a serving node reads and encodes only the blocks it will send.
 */
export function responseBlockCount(requested: number, bytesPerBlock: number, maxBytes: number): number {
  let count = Math.min(requested, MAX_BATCH);
  while (count > 1 && count * bytesPerBlock > maxBytes) count = Math.ceil(count / 2);
  return count;
}

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
  if (bytes[0] === 0x52) return decodeResponse(body);
  if (bytes[0] === 0x53) return { kind: 'status', height: decodeWith(StatusSsz, body, 'status', 16).height };
  throw new DecodeError('UNKNOWN_TOPIC', 'sync message', `tag ${bytes[0]}`);
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** The response's fixed part: the request id (8 bytes) and the offset of the block list (4). */
const RESPONSE_FIXED = 12;

/**
 * A response split by its SSZ offsets and each block decoded on its own bytes (decodeBlock): one
 * buffer per block rather than one per transaction, and no block keeps the whole response alive.
 */
function decodeResponse(body: Uint8Array): SyncWire {
  const what = 'range response';
  if (body.length > MAX_RESPONSE_BYTES) throw new DecodeError('TOO_LARGE', what, `${body.length} > ${MAX_RESPONSE_BYTES} bytes`);
  if (body.length < RESPONSE_FIXED) throw new DecodeError('MALFORMED', what, `${body.length} bytes, shorter than its fixed part`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (view.getUint32(8, true) !== RESPONSE_FIXED) throw new DecodeError('MALFORMED', what, `block list offset ${view.getUint32(8, true)}, expected ${RESPONSE_FIXED}`);
  const requestId = decodeWith(Uint64, body.subarray(0, 8), what, 8);
  const list = body.subarray(RESPONSE_FIXED);
  const blocks: SignedConsensusBlock[] = [];
  if (list.length > 0) {
    if (list.length < 4) throw new DecodeError('MALFORMED', what, 'block list shorter than one offset');
    const lv = new DataView(list.buffer, list.byteOffset, list.byteLength);
    const first = lv.getUint32(0, true);
    if (first === 0 || first % 4 !== 0 || first > list.length) throw new DecodeError('MALFORMED', what, `first block offset ${first} in a list of ${list.length} bytes`);
    const n = first / 4;
    if (n > MAX_BATCH) throw new DecodeError('MALFORMED', what, `${n} blocks, more than ${MAX_BATCH}`);
    for (let i = 0; i < n; i++) {
      const start = lv.getUint32(4 * i, true);
      const end = i + 1 < n ? lv.getUint32(4 * (i + 1), true) : list.length;
      if (start > end || end > list.length) throw new DecodeError('MALFORMED', what, `block ${i} at bytes ${start}..${end} of ${list.length}`);
      blocks.push(decodeBlock(list.subarray(start, end)));
    }
  }
  return { kind: 'response', requestId, blocks };
}
