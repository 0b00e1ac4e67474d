// Overflow policies: nothing is lost silently. Reject tells the sender, drop-oldest reports the
// dropped envelope (and fails a dropped ask), block makes the sender wait and loses nothing.
import { describe, expect, it } from 'vitest';
import { actor } from '../../src/kernel/actor.ts';
import { KernelError } from '../../src/kernel/errors.ts';
import type { SystemEvent } from '../../src/kernel/event-bus.ts';
import type { Ask } from '../../src/kernel/message.ts';
import type { OverflowPolicy } from '../../src/kernel/mailbox.ts';
import { makeSystem } from './helpers.ts';

type Msg = { type: 'n'; n: number } | Ask<{ type: 'q'; n: number }, number>;

function sink(overflow: OverflowPolicy, seen: number[]) {
  return actor<Msg>({
    name: 'sink',
    mailbox: { capacity: 3, overflow },
    create: (ctx) => ({
      handlers: {
        n: async (m) => {
          await new Promise<void>((r) => ctx.clock.setTimer(10, r));
          seen.push(m.n);
        },
        q: (m) => m.n,
      },
    }),
  });
}

describe('mailbox overflow policies', () => {
  it('reject: the tell says rejected, a dead letter names it, an ask fails with MAILBOX_FULL', async () => {
    const seen: number[] = [];
    const events: SystemEvent[] = [];
    const { system, scheduler } = makeSystem([sink('reject', seen)]);
    system.bus.subscribe((e) => events.push(e));
    const ref = system.ref<Msg>('sink');
    const results = Array.from({ length: 6 }, (_, n) => ref.tell({ type: 'n', n }));
    const ask = ref.ask({ type: 'q', n: 9 }).catch((e: unknown) => e);
    await scheduler.runUntil(1_000);
    // One message is being handled as soon as it is dispatched; the mailbox holds three more.
    expect(results).toEqual(['enqueued', 'enqueued', 'enqueued', 'rejected', 'rejected', 'rejected']);
    expect(seen).toEqual([0, 1, 2]);
    expect(events.filter((e) => e.type === 'dead-letter' && e.reason === 'rejected')).toHaveLength(4);
    expect(((await ask) as KernelError).code).toBe('MAILBOX_FULL');
  });

  it('drop-oldest: the oldest waiting message is reported and a dropped ask rejects', async () => {
    const seen: number[] = [];
    const dead: string[] = [];
    const { system, scheduler } = makeSystem([sink('drop-oldest', seen)]);
    system.bus.subscribe((e) => {
      if (e.type === 'dead-letter') dead.push(`${e.messageType}:${e.reason}`);
    });
    const ref = system.ref<Msg>('sink');
    const ask = ref.ask({ type: 'q', n: 1 }).catch((e: unknown) => e);
    for (let n = 0; n < 5; n++) ref.tell({ type: 'n', n });
    await scheduler.runUntil(1_000);
    expect(((await ask) as KernelError).code).toBe('MAILBOX_OVERFLOW_DROPPED');
    // Nothing is dispatched before the run: q, 0 and 1 are pushed out by 2, 3 and 4.
    expect(dead).toEqual(['q:dropped-oldest', 'n:dropped-oldest', 'n:dropped-oldest']);
    expect(seen).toEqual([2, 3, 4]);
  });

  it('block: send resolves only once admitted, in order, and nothing is lost', async () => {
    const seen: number[] = [];
    const { system, scheduler } = makeSystem([sink('block', seen)]);
    const ref = system.ref<Msg>('sink');
    const admitted: number[] = [];
    const sends = Array.from({ length: 10 }, (_, n) => ref.send({ type: 'n', n }).then((r) => admitted.push(n) && r));
    await scheduler.runUntil(5);
    expect(admitted.length).toBeLessThan(10);
    await scheduler.runUntil(1_000);
    expect(await Promise.all(sends)).toEqual(Array(10).fill('enqueued'));
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
