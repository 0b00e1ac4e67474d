// The range response is decoded block by block (one buffer per block); it must accept and refuse
// exactly what the SSZ schema does, and each block must own its bytes.
import { ContainerType, ListCompositeType } from '@chainsafe/ssz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hold } from '../../src/chain/held-block.ts';
import { DecodeError, encodeBlock } from '../../src/codec/block-codec.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { MAX_BATCH, decodeSync, encodeSync, responseBlockCount } from '../../src/sync/range-protocol.ts';
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

describe('responseBlockCount: the blocks a serving node reads for a response', () => {
  const MB3 = 3 * 1024 * 1024;

  it('halves a request as the encoded response would be halved, on the size of the blocks last served', () => {
    // The real benchmark's blocks (100 transfers, about 13.7 KB on the wire): the legacy strategy's
    // 1,024 became 128, and its last batch of 904 became 226, once encoded.
    expect(responseBlockCount(1_024, 13_700, MB3)).toBe(128);
    expect(responseBlockCount(904, 13_700, MB3)).toBe(226);
    expect(responseBlockCount(256, 13_700, MB3)).toBe(128);
  });

  it('reads what was asked when blocks are small or their size is not known yet, never above the protocol limit', () => {
    expect(responseBlockCount(1_024, 0, MB3)).toBe(1_024);
    expect(responseBlockCount(300, 500, MB3)).toBe(300);
    expect(responseBlockCount(5_000, 0, MB3)).toBe(MAX_BATCH);
    expect(responseBlockCount(1_024, 8 * 1024 * 1024, MB3)).toBe(1);
  });

  it('fits the limit, and cuts no more than halving must', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 4_000_000 }), (requested, perBlock) => {
        const n = responseBlockCount(requested, perBlock, MB3);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(Math.min(requested, MAX_BATCH));
        // It fits, or it is one block; and when it was cut, twice as many would not have fitted.
        expect(n === 1 || n * perBlock <= MB3).toBe(true);
        if (n < Math.min(requested, MAX_BATCH)) expect(2 * n * perBlock).toBeGreaterThan(MB3);
      }),
    );
  });
});
