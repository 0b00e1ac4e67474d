// Timer ticks have a mailbox lane no overflow policy touches: a flood that drops the oldest ordinary
// messages never drops a tick, and a tick is served before the backlog. A tick belongs to the
// incarnation whose timer fired it: a restart drops the ones still waiting.
import { describe, expect, it } from 'vitest';
import { type ActorContext, actor } from '../../src/kernel/actor.ts';
import { Mailbox } from '../../src/kernel/mailbox.ts';
import type { Envelope } from '../../src/kernel/message.ts';
import { makeSystem } from './helpers.ts';

const env = (id: number, type: string): Envelope => ({ id, msg: { type }, from: undefined, sentAt: 0, traceId: id, correlationId: undefined, reply: undefined });

describe('mailbox timer lane', () => {
  it('keeps a tick through an overflow that drops the oldest, and serves it first', () => {
    const m = new Mailbox({ capacity: 4, overflow: 'drop-oldest' });
    m.offer(env(1, 'wire'));
    expect(m.offerTimer(env(2, 'slot')).kind).toBe('enqueued');
    const dropped: number[] = [];
    for (let i = 3; i < 20; i++) {
      const r = m.offer(env(i, 'wire'));
      if (r.kind === 'dropped-oldest') dropped.push(r.dropped.id);
    }
    expect(dropped).not.toContain(2);
    expect(m.depth).toBe(5);
    expect(m.ids()).toContain(2);
    expect(m.take()?.msg.type).toBe('slot');
    expect(m.take()?.id).toBe(16);
  });

  it('does not count ticks against the capacity of a rejecting mailbox', () => {
    const m = new Mailbox({ capacity: 2, overflow: 'reject' });
    m.offerTimer(env(1, 'slot'));
    m.offerTimer(env(2, 'slot'));
    expect(m.offer(env(3, 'wire')).kind).toBe('enqueued');
    expect(m.offer(env(4, 'wire')).kind).toBe('enqueued');
    expect(m.offer(env(5, 'wire')).kind).toBe('rejected');
    expect(m.drain().map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });
});

type TickerMsg = { type: 'tick' } | { type: 'slow-boom'; delayMs: number } | { type: 'work' };

/** A self-re-arming tick, as the bridge, the peg-in scanner and the slot timer have. */
const ticker = (counts: { ticks: number; work: number }) =>
  actor<TickerMsg>({
    name: 'ticker',
    create: (ctx: ActorContext<TickerMsg>) => ({
      onStart: () => void ctx.self.tell({ type: 'tick' }),
      handlers: {
        tick: () => {
          counts.ticks++;
          ctx.setTimer(1_000, { type: 'tick' });
        },
        work: () => {
          counts.work++;
        },
        // Fails after its tick timer has fired: the tick waits in the lane when the actor restarts.
        'slow-boom': async (m) => {
          await new Promise<void>((r) => ctx.clock.setTimer(m.delayMs, r));
          throw new Error('boom');
        },
      },
    }),
  });

describe('timer ticks across a restart', () => {
  it('a tick that fired before a failure is not kept beside the one the new incarnation arms', async () => {
    const counts = { ticks: 0, work: 0 };
    const { system, scheduler } = makeSystem([ticker(counts)]);
    const ref = system.ref<TickerMsg>('ticker');
    await scheduler.runUntil(500);
    for (let i = 0; i < 5; i++) {
      ref.tell({ type: 'slow-boom', delayMs: 1_500 });
      await scheduler.runUntil(scheduler.now() + 2_000);
    }
    expect(system.actors()[0]?.restarts).toBe(5);
    // From here on one chain ticks once a second (kept, each restart would have added one).
    const before = counts.ticks;
    await scheduler.runUntil(scheduler.now() + 10_000);
    expect(counts.ticks - before).toBeGreaterThanOrEqual(9);
    expect(counts.ticks - before).toBeLessThanOrEqual(11);
    // And what others send is still handled promptly.
    ref.tell({ type: 'work' });
    await scheduler.runUntil(scheduler.now() + 10);
    expect(counts.work).toBe(1);
  });
});
