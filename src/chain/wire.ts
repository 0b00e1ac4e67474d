// The chain's network messages: one topic byte, then the SSZ body. Decoding untrusted bytes gives a
// typed message or a DecodeError, so the network actor can penalise the peer and carry on.
import { DecodeError, decodeApproval, decodeBlock, decodeWith, encodeApproval, encodeBlock } from '../codec/block-codec.ts';
import type { Approval, AuxPowHeader, SignedConsensusBlock } from '../types/chain.ts';
import { AuxPowHeaderSsz, BlockRangeRequestSsz, Bytes32, Uint64 } from '../types/ssz.ts';

export const Topic = { block: 1, approval: 2, auxpow: 3, blockRequest: 4, blockResponse: 5, rangeRequest: 6, status: 7 } as const;

/** A peer answers a range request with at most this many blocks. */
export const MAX_RANGE = 64;

export type WireMessage =
  | { readonly topic: 'block'; readonly block: SignedConsensusBlock }
  | { readonly topic: 'block-response'; readonly block: SignedConsensusBlock }
  | { readonly topic: 'approval'; readonly approval: Approval }
  | { readonly topic: 'auxpow'; readonly header: AuxPowHeader }
  | { readonly topic: 'block-request'; readonly hash: Uint8Array }
  | { readonly topic: 'range-request'; readonly startHeight: number; readonly count: number }
  /** A node's accepted head height, announced every slot: how peers learn how far behind they are. */
  | { readonly topic: 'status'; readonly headHeight: number };

function framed(topic: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = topic;
  out.set(body, 1);
  return out;
}

export function encodeWire(m: WireMessage): Uint8Array {
  switch (m.topic) {
    case 'block':
      return framed(Topic.block, encodeBlock(m.block));
    case 'block-response':
      return framed(Topic.blockResponse, encodeBlock(m.block));
    case 'approval':
      return framed(Topic.approval, encodeApproval(m.approval));
    case 'auxpow':
      return framed(Topic.auxpow, AuxPowHeaderSsz.serialize(m.header));
    case 'block-request':
      return framed(Topic.blockRequest, m.hash);
    case 'range-request':
      return framed(Topic.rangeRequest, BlockRangeRequestSsz.serialize({ requestId: 0, startHeight: m.startHeight, count: m.count }));
    case 'status':
      return framed(Topic.status, Uint64.serialize(m.headHeight));
  }
}

export function decodeWire(bytes: Uint8Array): WireMessage {
  if (bytes.length === 0) throw new DecodeError('EMPTY', 'message', 'no bytes');
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case Topic.block:
      return { topic: 'block', block: decodeBlock(body) };
    case Topic.blockResponse:
      return { topic: 'block-response', block: decodeBlock(body) };
    case Topic.approval:
      return { topic: 'approval', approval: decodeApproval(body) };
    case Topic.auxpow:
      return { topic: 'auxpow', header: decodeWith(AuxPowHeaderSsz, body, 'auxpow', 32 * 1024) };
    case Topic.blockRequest:
      return { topic: 'block-request', hash: decodeWith(Bytes32, body, 'block request', 32) };
    case Topic.status:
      return { topic: 'status', headHeight: decodeWith(Uint64, body, 'status', 8) };
    case Topic.rangeRequest: {
      const r = decodeWith(BlockRangeRequestSsz, body, 'range request', 64);
      return { topic: 'range-request', startHeight: r.startHeight, count: Math.min(r.count, MAX_RANGE) };
    }
    default:
      throw new DecodeError('UNKNOWN_TOPIC', 'message', `topic byte ${bytes[0]}`);
  }
}
