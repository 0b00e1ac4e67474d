// The world's watch on repeated sends: it counts one message to one peer within each interval,
// ignores Byzantine senders, tells messages apart, and reports once.
import { describe, expect, it } from 'vitest';
import { RepeatedSends } from '../../sim/chaos/repeated-sends.ts';

describe('repeated sends', () => {
  const make = () => {
    const reasons: string[] = [];
    const w = new RepeatedSends({ windowMs: 1_000, maxSends: 3, honest: ['a', 'b'], onViolation: (r) => reasons.push(r) });
    return { w, reasons };
  };

  it('fails the fourth send of the same bytes to the same peer within the window', () => {
    const { w, reasons } = make();
    for (const t of [0, 100, 200]) w.observe(t, 'a', 'b', 40, 7);
    expect(reasons).toEqual([]);
    w.observe(300, 'a', 'b', 40, 7);
    expect(reasons).toEqual(['a sent the same 40-byte message to b 4 times within 1000 ms (at most 3)']);
    w.observe(400, 'a', 'b', 40, 7);
    expect(reasons).toHaveLength(1);
  });

  it('counts each interval afresh', () => {
    const { w, reasons } = make();
    for (let t = 0; t < 20_000; t += 400) w.observe(t, 'a', 'b', 40, 7);
    expect(reasons).toEqual([]);
    expect(w.worst).toBe(3);
  });

  it('tells apart receivers, messages and sizes, and ignores Byzantine senders', () => {
    const { w, reasons } = make();
    for (let i = 0; i < 3; i++) {
      w.observe(i, 'a', 'b', 40, 7);
      w.observe(i, 'b', 'a', 40, 7);
      w.observe(i, 'a', 'b', 41, 7);
      w.observe(i, 'a', 'b', 40, 8);
      // Digests at the top of their range stay apart (the key is exact).
      w.observe(i, 'a', 'b', 40, 0xffffffff);
      w.observe(i, 'a', 'b', 40, 0xfffffffe);
      w.observe(i, 'b', 'z', 0x7f, 0xffffffff);
    }
    for (let i = 0; i < 50; i++) w.observe(i, 'z', 'a', 40, 7);
    expect(reasons).toEqual([]);
  });
});
