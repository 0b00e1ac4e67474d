// The range response is decoded block by block (one buffer per block); it must accept and refuse
// exactly what the SSZ schema does, and each block must own its bytes.
import { ContainerType, ListCompositeType } from '@chainsafe/ssz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hold } from '../../src/chain/held-block.ts';
import { DecodeError, encodeBlock } from '../../src/codec/block-codec.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { MAX_BATCH, decodeSync, encodeSync } from '../../src/sync/range-protocol.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import { SignedConsensusBlockSsz, Uint64 } from '../../src/types/ssz.ts';
import { keys, signedBlock } from '../consensus/fixtures.ts';

const Schema = new ContainerType({ requestId: Uint64, blocks: new ListCompositeType(SignedConsensusBlockSsz, MAX_BATCH) });
const ks = keys(4, simScheme);

function blocks(n: number): SignedConsensusBlock[] {
  return Array.from({ length: n }, (_, i) => {
    const b = signedBlock(ks, simScheme, new Uint8Array(32).fill(i), i + 1, i + 1, [0, 1]);
    const p = b.message.executionPayload;
    return { ...b, message: { ...b.message, executionPayload: { ...p, transactions: [Uint8Array.of(i, 1, 2), Uint8Array.of(9)] } } };
  });
}

/** What the schema says of a body: the re-encoded value, or that it refuses it. */
function bySchema(body: Uint8Array): string {
  try {
    return Buffer.from(Schema.serialize(Schema.deserialize(body))).toString('hex');
  } catch {
    return 'refused';
  }
}

function byDecoder(frame: Uint8Array): string {
  try {
    const m = decodeSync(frame);
    if (m.kind !== 'response') return 'not a response';
    return Buffer.from(Schema.serialize({ requestId: m.requestId, blocks: [...m.blocks] })).toString('hex');
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return 'refused';
  }
}

describe('range responses', () => {
  it('round-trip, with every block on a buffer of its own', () => {
    const bs = blocks(3);
    const m = decodeSync(encodeSync({ kind: 'response', requestId: 7, blocks: bs }));
    expect(m.kind === 'response' && m.requestId).toBe(7);
    if (m.kind !== 'response') return;
    expect(m.blocks.map(encodeBlock)).toEqual(bs.map(encodeBlock));
    const [a, b] = m.blocks as [SignedConsensusBlock, SignedConsensusBlock];
    // Fields of one block share that block's buffer; two blocks never share one.
    expect(a.signature.buffer).toBe(a.message.executionPayload.transactions[0]?.buffer);
    expect(a.signature.buffer).not.toBe(b.signature.buffer);
    expect(a.signature.buffer.byteLength).toBe(encodeBlock(a).length);
    // A held copy keeps none of it.
    const held = hold(a);
    expect(held.signature.buffer).not.toBe(a.signature.buffer);
    expect(held.message.parentHash.buffer.byteLength).toBe(32);
    expect(held.approvals.signers.uint8Array.buffer).not.toBe(a.signature.buffer);
    expect(decodeSync(encodeSync({ kind: 'response', requestId: 1, blocks: [] }))).toEqual({ kind: 'response', requestId: 1, blocks: [] });
  });

  it('accepts and refuses exactly what the SSZ schema does, on damaged bytes', () => {
    const frame = encodeSync({ kind: 'response', requestId: 3, blocks: blocks(3) });
    const seen = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat({ max: frame.length - 1 }), { freq: 1 }),
        (flips, cut) => {
          const damaged = frame.slice(0, Math.max(1, frame.length - (cut ?? 0)));
          // Damage lands in the fixed part and the offsets, where the decoder does its own reading.
          for (const [at, v] of flips) if (1 + at < damaged.length) damaged[1 + at] = v;
          const verdict = bySchema(damaged.subarray(1));
          expect(byDecoder(damaged)).toBe(verdict);
          seen[verdict === 'refused' ? 'refused' : 'accepted']++;
        },
      ),
      { seed: 17, numRuns: 400 },
    );
    // Both verdicts were met: the comparison was not one-sided.
    expect(seen.refused).toBeGreaterThan(50);
    expect(seen.accepted).toBeGreaterThan(20);
  });
});
