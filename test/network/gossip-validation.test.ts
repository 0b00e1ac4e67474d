// The chain's gossip rules (what a node answers gossipsub before relaying): garbage, oversized,
// wrong-topic and badly signed messages are rejected; old, known and future ones only ignored; what
// the slot's proposer signed is accepted even before its parent is known.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type GossipRules, MAX_GOSSIP_BYTES, validateGossip } from '../../src/chain/gossip-validation.ts';
import { encodeWire } from '../../src/chain/wire.ts';
import { decodeAuxPow, encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import { approvalMessage } from '../../src/consensus/approvals.ts';
import { signBlock } from '../../src/consensus/sign-block.ts';
import { simScheme } from '../../src/crypto/index.ts';
import type { KeyPair } from '../../src/crypto/signature-scheme.ts';
import { toHex } from '../../src/types/hex.ts';
import { emptyBlock, keys, signedBlock, spec } from '../consensus/fixtures.ts';

const ks = keys(4, simScheme);
const s = spec(ks);
const rules = (o: Partial<GossipRules> = {}): GossipRules => ({ spec: s, scheme: simScheme, nowMs: 100 * s.slotDurationMs, finalizedHeight: 0, known: () => false, ...o });
const parent = new Uint8Array(32).fill(9);
const block = (slot: number, height = 5) => signedBlock(ks, simScheme, parent, slot, height, []);
const blockBytes = (slot: number, height = 5) => encodeWire({ topic: 'block', block: block(slot, height) });

describe('gossip rules', () => {
  it('accepts a block signed by its slot proposer, though its parent is unknown here', () => {
    expect(validateGossip('block', blockBytes(42), rules())).toMatchObject({ result: 'accept', message: { topic: 'block' } });
  });

  it('rejects garbage, oversized payloads and a message on the wrong topic', () => {
    expect(validateGossip('block', new Uint8Array([1, 2, 3]), rules())).toEqual({ result: 'reject', reason: 'undecodable' });
    expect(validateGossip('approval', new Uint8Array(MAX_GOSSIP_BYTES.approval + 1), rules())).toEqual({ result: 'reject', reason: 'oversized' });
    expect(validateGossip('approval', blockBytes(42).subarray(0, 0), rules()).result).toBe('reject');
    const approval = encodeWire({ topic: 'approval', approval: { blockHash: parent, authorityIndex: 1, signature: (ks[1] as KeyPair).sign(approvalMessage(parent)) } });
    expect(validateGossip('auxpow', approval, rules())).toEqual({ result: 'reject', reason: 'wrong-topic' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('block' as const, 'approval' as const, 'auxpow' as const), (bytes, kind) => {
        expect(['reject', 'ignore']).toContain(validateGossip(kind, bytes, rules()).result);
      }),
    );
  });

  it('rejects a block out of its proposer’s turn or with a bad signature, unless the proposer bug is planted', () => {
    const b = block(42);
    const byOther = signBlock(b.message, 3, ks[3] as KeyPair, 4);
    expect(validateGossip('block', encodeWire({ topic: 'block', block: byOther }), rules())).toEqual({ result: 'reject', reason: 'wrong-proposer' });
    expect(validateGossip('block', encodeWire({ topic: 'block', block: byOther }), rules({ skipProposerCheck: true })).result).toBe('accept');
    const forged = { ...b, signature: (ks[3] as KeyPair).sign(new Uint8Array(32)) };
    expect(validateGossip('block', encodeWire({ topic: 'block', block: forged }), rules())).toEqual({ result: 'reject', reason: 'bad-signature' });
    expect(validateGossip('block', encodeWire({ topic: 'block', block: { ...b, proposerIndex: 9 } }), rules())).toEqual({ result: 'reject', reason: 'bad-proposer-index' });
    const outsider = simScheme.keyFromSeed(new Uint8Array(32).fill(0xee));
    expect(validateGossip('block', encodeWire({ topic: 'block', block: signBlock(emptyBlock(parent, 42, 5), 2, outsider, 4) }), rules()).result).toBe('reject');
  });

  it('verifies the approvals a block carries, since the pipeline takes a gossip block\'s signatures as verified', () => {
    const approved = signedBlock(ks, simScheme, parent, 42, 5, [0, 1, 2]);
    expect(validateGossip('block', encodeWire({ topic: 'block', block: approved }), rules()).result).toBe('accept');
    const badAggregate = { ...approved, approvals: { ...approved.approvals, signature: approved.signature } };
    expect(validateGossip('block', encodeWire({ topic: 'block', block: badAggregate }), rules())).toEqual({ result: 'reject', reason: 'bad-approvals' });
    const tooFew = signedBlock(ks, simScheme, parent, 42, 5, [0]);
    expect(validateGossip('block', encodeWire({ topic: 'block', block: tooFew }), rules())).toEqual({ result: 'reject', reason: 'bad-approvals' });
  });

  it('ignores, without blame, what is too old, already known or from a future slot', () => {
    expect(validateGossip('block', blockBytes(42, 5), rules({ finalizedHeight: 5 }))).toEqual({ result: 'ignore', reason: 'too-old' });
    const hash = toHex(blockHash(block(42).message));
    expect(validateGossip('block', blockBytes(42), rules({ known: (h) => h === hash }))).toEqual({ result: 'ignore', reason: 'known' });
    expect(validateGossip('block', blockBytes(200), rules())).toEqual({ result: 'ignore', reason: 'future-slot' });
  });

  it('checks an approval’s authority and signature', () => {
    const good = { blockHash: parent, authorityIndex: 1, signature: (ks[1] as KeyPair).sign(approvalMessage(parent)) };
    expect(validateGossip('approval', encodeWire({ topic: 'approval', approval: good }), rules()).result).toBe('accept');
    expect(validateGossip('approval', encodeWire({ topic: 'approval', approval: { ...good, authorityIndex: 2 } }), rules())).toEqual({ result: 'reject', reason: 'bad-signature' });
    expect(validateGossip('approval', encodeWire({ topic: 'approval', approval: { ...good, authorityIndex: 7 } }), rules())).toEqual({ result: 'reject', reason: 'bad-authority-index' });
    expect(validateGossip('approval', encodeWire({ topic: 'approval', approval: good }), rules({ known: () => true }))).toEqual({ result: 'ignore', reason: 'known' });
  });

  it('checks the work of an AuxPow on any node alike, and leaves what it commits to for the chain', () => {
    const mined = mineAuxPow(new Uint8Array(32).fill(5), s.auxPowChainId, s.initialBits, 0, 100_000);
    if (mined === undefined) throw new Error('no proof mined at regtest difficulty');
    const header = { rangeStart: parent, rangeEnd: parent, bits: s.initialBits, chainId: s.auxPowChainId, height: 3, auxPow: encodeAuxPow(mined.auxPow), feeRecipient: new Uint8Array(20) };
    expect(validateGossip('auxpow', encodeWire({ topic: 'auxpow', header }), rules()).result).toBe('accept');
    // Another coinbase: no longer in the parent block.
    const a = decodeAuxPow(header.auxPow);
    const tampered = encodeAuxPow({ ...a, coinbaseTx: Uint8Array.from([...a.coinbaseTx.subarray(0, -1), (a.coinbaseTx.at(-1) ?? 0) ^ 1]) });
    expect(validateGossip('auxpow', encodeWire({ topic: 'auxpow', header: { ...header, auxPow: tampered } }), rules())).toEqual({ result: 'reject', reason: 'bad-auxpow' });
    // Work far below what it claims.
    expect(validateGossip('auxpow', encodeWire({ topic: 'auxpow', header: { ...header, bits: 0x1d00ffff } }), rules())).toEqual({ result: 'reject', reason: 'bad-auxpow' });
    expect(validateGossip('auxpow', encodeWire({ topic: 'auxpow', header: { ...header, chainId: 1 } }), rules())).toEqual({ result: 'reject', reason: 'wrong-chain-id' });
    expect(validateGossip('auxpow', encodeWire({ topic: 'auxpow', header }), rules({ finalizedHeight: 3 }))).toEqual({ result: 'ignore', reason: 'too-old' });
  });
});
