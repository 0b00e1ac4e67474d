import { describe, expect, it } from 'vitest';
import { Scheduler } from '../src/kernel/scheduler.ts';

describe('scheduler smoke', () => {
  it('runs events by (time, seq)', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.schedule(10, () => seen.push('b'));
    s.schedule(0, () => seen.push('a'));
    s.schedule(10, () => seen.push('c'));
    await s.runUntil(100);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(s.now()).toBe(100);
  });
});
