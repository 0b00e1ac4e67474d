// Peer scores: penalties accumulate, the threshold bans, the ban expires into probation.
import { describe, expect, it } from 'vitest';
import { BAN_MS, BAN_THRESHOLD, PeerScores } from '../../src/network/peer-scores.ts';
import { decodeWire, encodeWire } from '../../src/chain/wire.ts';
import { DecodeError } from '../../src/codec/block-codec.ts';
import fc from 'fast-check';

describe('peer scores', () => {
  it('bans below the threshold, for a while, then takes the peer back on probation', () => {
    const s = new PeerScores();
    expect(s.penalize('p', -60, 0).bannedUntil).toBeUndefined();
    const ban = s.penalize('p', -60, 10);
    expect(ban.bannedUntil).toBe(10 + BAN_MS);
    expect(s.isBanned('p', 20)).toBe(true);
    expect(s.isBanned('q', 20)).toBe(false);
    expect(s.isBanned('p', 10 + BAN_MS)).toBe(false);
    expect(s.score('p')).toBe(BAN_THRESHOLD / 2);
    // On probation, one more serious offence bans again.
    expect(s.penalize('p', -60, 10 + BAN_MS + 1).bannedUntil).toBeDefined();
    expect(s.bansIssued).toBe(2);
  });
});

describe('chain wire format', () => {
  it('round-trips requests and rejects garbage with a DecodeError only', () => {
    const m = decodeWire(encodeWire({ topic: 'range-request', startHeight: 5, count: 1_000 }));
    expect(m).toEqual({ topic: 'range-request', startHeight: 5, count: 64 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeWire(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
