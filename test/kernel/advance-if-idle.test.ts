// The simulator's quiet steps move time with Scheduler.advanceIfIdle instead of an async runUntil.
// It must do exactly what runUntil would, or refuse and leave everything as it was: an event due by
// the bound, a continuation waiting to be drained or a halt all go to runUntil.
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/kernel/scheduler.ts';

describe('Scheduler.advanceIfIdle', () => {
  it('moves time to the bound when nothing is due by it, and tells onRanToBound as runUntil does', () => {
    const s = new Scheduler();
    const bounds: number[] = [];
    s.onRanToBound = (t) => bounds.push(t);
    s.schedule(50, () => undefined);
    expect(s.advanceIfIdle(20)).toBe(true);
    expect(s.now()).toBe(20);
    expect(bounds).toEqual([20]);
    expect(s.executed).toBe(0);
  });

  it('refuses, changing nothing, when an event is due by the bound', async () => {
    const s = new Scheduler();
    const ran: number[] = [];
    s.schedule(20, () => ran.push(s.now()));
    expect(s.advanceIfIdle(20)).toBe(false);
    expect(s.now()).toBe(0);
    expect(ran).toEqual([]);
    await s.runUntil(20);
    expect(ran).toEqual([20]);
  });

  it('passes over cancelled events as runUntil does', () => {
    const s = new Scheduler();
    s.schedule(10, () => undefined).cancel();
    expect(s.advanceIfIdle(20)).toBe(true);
    expect(s.now()).toBe(20);
  });

  it('refuses while a continuation waits to be drained, and once halted', async () => {
    const s = new Scheduler();
    s.asyncBegin();
    expect(s.advanceIfIdle(20)).toBe(false);
    await s.runUntil(20);
    expect(s.advanceIfIdle(40)).toBe(true);
    s.halt(new Error('stop'));
    expect(s.advanceIfIdle(60)).toBe(false);
    await expect(s.runUntil(60)).rejects.toThrow('stop');
  });

  it('never moves time backwards', () => {
    const s = new Scheduler();
    expect(s.advanceIfIdle(30)).toBe(true);
    expect(s.advanceIfIdle(10)).toBe(true);
    expect(s.now()).toBe(30);
  });
});
