// The simulated disk keeps only what was synced across a crash, may tear the batch in flight, and
// never aliases values; a node's clock carries its skew and its timers die with it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimClock, defaultEpochMs } from '../../src/io/sim/clock.ts';
import { SimDisk } from '../../src/io/sim/storage.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

function disk(opts: { tornWrites?: boolean; bugs?: string[]; seed?: number } = {}) {
  const scheduler = new Scheduler();
  const violations: string[] = [];
  const d = new SimDisk({
    node: 'n0',
    scheduler,
    rng: new SeededRng(opts.seed ?? 1),
    tornWrites: opts.tornWrites ?? false,
    bugs: { has: (n) => (opts.bugs ?? []).includes(n) },
    onDurabilityViolation: (r) => violations.push(r),
  });
  return { scheduler, d, violations };
}

describe('SimDisk', () => {
  it('keeps synced writes and loses unsynced ones on a crash', async () => {
    const { scheduler, d } = disk();
    const s = d.open({ alive: true });
    const w1 = s.write([{ type: 'put', key: 'a', value: v('1') }], { sync: true });
    await scheduler.runToQuiescence();
    await w1;
    await s.write([{ type: 'put', key: 'b', value: v('2') }], { sync: false });
    const read = s.get('b');
    await scheduler.runToQuiescence();
    expect(text(await read)).toBe('2');
    d.crash();
    const s2 = d.open({ alive: true });
    const a = s2.get('a');
    const b = s2.get('b');
    await scheduler.runToQuiescence();
    expect(text(await a)).toBe('1');
    expect(await b).toBeUndefined();
  });

  it('sync() makes earlier unsynced writes durable', async () => {
    const { scheduler, d } = disk();
    const s = d.open({ alive: true });
    await s.write([{ type: 'put', key: 'k', value: v('x') }], { sync: false });
    const done = s.sync();
    await scheduler.runToQuiescence();
    await done;
    d.crash();
    expect(text(d.durableSnapshot().get('k'))).toBe('x');
  });

  it('a crash during a synced write loses it whole, or tears it to a prefix when allowed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 12 }), async (seed, n) => {
        const { d } = disk({ tornWrites: true, seed });
        const s = d.open({ alive: false });
        void s.write(Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `k${String(i).padStart(2, '0')}`, value: v(String(i)) })), { sync: true });
        d.crash();
        const keys = [...d.durableSnapshot().keys()].sort();
        expect(keys.length).toBeLessThan(n);
        expect(keys).toEqual(Array.from({ length: keys.length }, (_, i) => `k${String(i).padStart(2, '0')}`));
      }),
      { numRuns: 50 },
    );
  });

  it('the sync-lies planted bug loses acknowledged writes, and the disk contract check reports it', async () => {
    const { scheduler, d, violations } = disk({ bugs: ['sync-lies'] });
    const s = d.open({ alive: true });
    for (let i = 0; i < 20; i++) {
      const w = s.write([{ type: 'put', key: `k${i}`, value: v('x') }], { sync: true });
      await scheduler.runToQuiescence();
      await w;
    }
    d.crash();
    expect(d.durableSnapshot().size).toBeLessThan(20);
    expect(violations[0]).toMatch(/acknowledged durable write of k\d+ was lost/);
  });

  it('scans in key order and never aliases values', async () => {
    const { scheduler, d } = disk();
    const s = d.open({ alive: true });
    const value = v('orig');
    await s.write([{ type: 'put', key: 'p/b', value }, { type: 'put', key: 'p/a', value: v('a') }, { type: 'put', key: 'q', value: v('q') }], { sync: false });
    value[0] = 0;
    const scan = s.scan('p/');
    await scheduler.runToQuiescence();
    const entries = await scan;
    expect(entries.map(([k]) => k)).toEqual(['p/a', 'p/b']);
    expect(text(entries[1]?.[1])).toBe('orig');
    (entries[1]?.[1] as Uint8Array)[0] = 0;
    const again = s.get('p/b');
    await scheduler.runToQuiescence();
    expect(text(await again)).toBe('orig');
  });

  it('injected storage errors reach the caller', async () => {
    const { scheduler, d } = disk();
    d.setErrorRate(1);
    const s = d.open({ alive: true });
    const r = s.get('x').catch((e: unknown) => e);
    await scheduler.runToQuiescence();
    expect(String(await r)).toMatch(/simulated IO_ERROR on n0 during get/);
  });
});

describe('SimClock', () => {
  it('applies the node skew and kills timers with the node incarnation', async () => {
    const scheduler = new Scheduler();
    const owner = { alive: true };
    const clock = new SimClock({ scheduler, owner, skewMs: 250 });
    expect(clock.now()).toBe(defaultEpochMs + 250);
    clock.setSkew(-100);
    expect(clock.now()).toBe(defaultEpochMs - 100);
    let fired = 0;
    clock.setTimer(10, () => fired++);
    clock.setTimer(20, () => fired++);
    await scheduler.runUntil(15);
    owner.alive = false;
    await scheduler.runToQuiescence();
    expect(fired).toBe(1);
  });
});
