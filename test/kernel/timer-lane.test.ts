// Timer ticks have a mailbox lane no overflow policy touches: a flood that drops the oldest ordinary
// messages never drops a tick, and a tick is served before the backlog.
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../src/kernel/mailbox.ts';
import type { Envelope } from '../../src/kernel/message.ts';

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
