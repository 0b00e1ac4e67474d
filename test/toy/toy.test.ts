// The toy replicated log: its codec survives any bytes, and the pure Raft core keeps election
// safety and state-machine safety under random message schedules with drops and duplicates.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noBugs } from '../../src/kernel/bugs.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { decode, encode } from '../../sim/toy/codec.ts';
import { type RaftMessage, type RaftState, initialState, onElectionTimeout, onHeartbeat, onMessage, onSubmit } from '../../sim/toy/raft.ts';

describe('toy codec', () => {
  it('round-trips every message kind', () => {
    const msgs: RaftMessage[] = [
      { t: 'vote-req', term: 3, lastIndex: 7, lastTerm: 2 },
      { t: 'vote', term: 3, granted: true },
      { t: 'append', term: 4, prevIndex: 1, prevTerm: 1, commit: 1, entries: [{ term: 4, id: 'c123', value: -5 }] },
      { t: 'append-resp', term: 4, success: false, match: 0 },
    ];
    for (const m of msgs) expect(decode(encode(m))).toEqual({ ok: true, msg: m });
  });

  it('turns any bytes into a message or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decode(bytes);
        if (!r.ok) expect(['TOO_LARGE', 'TRUNCATED', 'BAD_SHAPE']).toContain(r.error.code);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('toy raft core', () => {
  it('keeps one leader per term and one committed entry per index under random schedules', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 3, max: 5 }), (seed, n) => {
        const rng = new SeededRng(seed);
        const ids = Array.from({ length: n }, (_, i) => `n${i}`);
        const nodes = new Map<string, RaftState>(ids.map((id) => [id, initialState(id, ids)]));
        const inFlight: Array<{ from: string; to: string; msg: RaftMessage }> = [];
        const leaders = new Map<number, string>();
        const committed: string[] = [];
        const out = (from: string, fx: { send: Array<{ to: string; msg: RaftMessage }> }) => {
          for (const s of fx.send) inFlight.push({ from, to: s.to, msg: s.msg });
        };
        for (let step = 0; step < 400; step++) {
          const r = rng.next();
          const id = rng.pick(ids);
          const s = nodes.get(id) as RaftState;
          if (r < 0.05) out(id, onElectionTimeout(s));
          else if (r < 0.15) out(id, onHeartbeat(s));
          else if (r < 0.2) out(id, onSubmit(s, `e${step}`, step).fx);
          else if (inFlight.length > 0) {
            const i = rng.int(inFlight.length);
            const m = inFlight[i] as (typeof inFlight)[number];
            if (rng.chance(0.8)) inFlight.splice(i, 1); // else: delivered twice
            if (!rng.chance(0.1)) out(m.to, onMessage(nodes.get(m.to) as RaftState, m.from, m.msg, noBugs));
          }
          for (const [nid, st] of nodes) {
            if (st.role === 'leader') {
              const l = leaders.get(st.term);
              expect(l === undefined || l === nid).toBe(true);
              leaders.set(st.term, nid);
            }
            for (let k = 0; k < st.commitIndex; k++) {
              const e = st.log[k]?.id as string;
              if (committed[k] === undefined) committed[k] = e;
              expect(committed[k]).toBe(e);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
