// Per-sender FIFO and exactly-once delivery under random interleavings: several senders, each
// sending its own numbered sequence (tells and asks mixed) from inside its handlers, to a receiver
// whose handlers take random virtual time. The receiver must see every sender's messages once each,
// in the order sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actor } from '../../src/kernel/actor.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { makeSystem } from './helpers.ts';
import { SeededRng } from '../../src/kernel/rng.ts';

type RecvMsg = { type: 't'; from: number; seq: number } | Ask<{ type: 'a'; from: number; seq: number }, number>;
type SendMsg = { type: 'go'; count: number };

describe('per-sender FIFO, exactly once', () => {
  it('holds for random senders, message counts, ask/tell mixes and handler delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (maxDelay, counts, seed) => {
          const received = new Map<number, number[]>();
          const specs = [
            actor<RecvMsg>({
              name: 'recv',
              create: (ctx) => {
                const take = async (from: number, seq: number): Promise<number> => {
                  const d = ctx.rng.int(maxDelay);
                  if (d > 0) await new Promise<void>((r) => ctx.clock.setTimer(d, r));
                  const list = received.get(from) ?? [];
                  list.push(seq);
                  received.set(from, list);
                  return seq;
                };
                return { handlers: { t: (m) => take(m.from, m.seq).then(() => undefined), a: (m) => take(m.from, m.seq) } };
              },
            }),
            ...counts.map((_, i) =>
              actor<SendMsg>({
                name: `s${i}`,
                create: (ctx) => ({
                  handlers: {
                    go: (m) => {
                      const recv = ctx.lookup<RecvMsg>('recv');
                      for (let seq = 0; seq < m.count; seq++) {
                        if (ctx.rng.chance(0.3)) void ctx.ask(recv, { type: 'a', from: i, seq }, 1_000_000).catch(() => undefined);
                        else ctx.tell(recv, { type: 't', from: i, seq });
                        // Split a sender's burst over several handler runs so senders interleave.
                        if (ctx.rng.chance(0.2) && seq + 1 < m.count) {
                          ctx.setTimer(ctx.rng.int(3), { type: 'go', count: 0 });
                        }
                      }
                    },
                  },
                }),
              }),
            ),
          ];
          const { system, scheduler } = makeSystem(specs, { rng: new SeededRng(seed) });
          counts.forEach((count, i) => system.ref<SendMsg>(`s${i}`).tell({ type: 'go', count }));
          await scheduler.runToQuiescence();
          counts.forEach((count, i) => {
            expect(received.get(i)).toEqual(Array.from({ length: count }, (_, k) => k));
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
