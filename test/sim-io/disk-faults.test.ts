// Disk faults at their named fault points: a bit flipped at rest, a write misdirected to another key,
// a write acknowledged and lost. The disk remembers what each fault left, so the checker of corrupt
// reads can tell those bytes from the node's own, and its durability contract does not blame the
// node for what the fault did.
import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../src/io/sim/storage.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

async function filled(seed = 1) {
  const scheduler = new Scheduler();
  const violations: string[] = [];
  const d = new SimDisk({ node: 'n0', scheduler, rng: new SeededRng(seed), onDurabilityViolation: (r) => violations.push(r) });
  const s = d.open({ alive: true });
  const w = s.write(
    [
      { type: 'put', key: 'chain/h/1', value: v('block-one') },
      { type: 'put', key: 'chain/h/2', value: v('block-two') },
      { type: 'put', key: 'peg/op/a', value: v('operation') },
    ],
    { sync: true },
  );
  await scheduler.runToQuiescence();
  await w;
  return { scheduler, d, s, violations };
}

const bitsDiffering = (a: Uint8Array, b: Uint8Array): number => {
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let x = (a[i] as number) ^ (b[i] as number); x !== 0; x >>= 1) n += x & 1;
  return n;
};

describe('SimDisk faults', () => {
  it('a bit flip changes exactly one bit of one stored value under the prefix, durably, and is known as corrupt', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { d, violations } = await filled(seed);
      const before = d.durableSnapshot();
      expect(d.injectFault('bit-flip', 'chain/h/')).toBe(true);
      const after = d.durableSnapshot();
      const changed = [...after].filter(([k, val]) => bitsDiffering(val, before.get(k) as Uint8Array) > 0);
      expect(changed).toHaveLength(1);
      const [key, value] = changed[0] as [string, Uint8Array];
      expect(key.startsWith('chain/h/')).toBe(true);
      expect(bitsDiffering(value, before.get(key) as Uint8Array)).toBe(1);
      expect(d.isCorrupt(key, value)).toBe(true);
      expect(d.isCorrupt(key, before.get(key) as Uint8Array)).toBe(false);
      d.crash();
      expect(d.faults).toBe(1);
      expect(violations).toEqual([]);
    }
  });

  it('a bit flip with nothing under its prefix does nothing', async () => {
    const { d } = await filled();
    expect(d.injectFault('bit-flip', 'sync/')).toBe(false);
    expect(d.faults).toBe(0);
  });

  it('a misdirected write lands under another key; its own key keeps the old value', async () => {
    const { scheduler, d, s, violations } = await filled(3);
    d.injectFault('misdirected-write', 'chain/');
    const w = s.write([{ type: 'put', key: 'chain/h/3', value: v('block-three') }], { sync: true });
    await scheduler.runToQuiescence();
    await w;
    d.crash();
    const disk = d.durableSnapshot();
    expect(disk.has('chain/h/3')).toBe(false);
    const landed = [...disk].filter(([, val]) => text(val) === 'block-three');
    expect(landed).toHaveLength(1);
    const [key, value] = landed[0] as [string, Uint8Array];
    expect(['chain/h/1', 'chain/h/2']).toContain(key);
    expect(d.isCorrupt(key, value)).toBe(true);
    // The acknowledged write of chain/h/3 is missing, but a fault did it: no contract violation.
    expect(violations).toEqual([]);
    // The next write is not faulted.
    const s2 = d.open({ alive: true });
    const w2 = s2.write([{ type: 'put', key: 'chain/h/4', value: v('four') }], { sync: true });
    await scheduler.runToQuiescence();
    await w2;
    expect(text(d.durableSnapshot().get('chain/h/4'))).toBe('four');
  });

  it('a lost write is acknowledged as synced and never lands, visible or durable', async () => {
    const { scheduler, d, s, violations } = await filled();
    d.injectFault('lost-write', 'peg/');
    // A write outside the prefix passes untouched; the armed fault waits for a matching one.
    const w1 = s.write([{ type: 'put', key: 'chain/h/9', value: v('nine') }], { sync: true });
    const w2 = s.write([{ type: 'put', key: 'peg/op/a', value: v('updated') }], { sync: true });
    await scheduler.runToQuiescence();
    await Promise.all([w1, w2]);
    const read = s.get('peg/op/a');
    await scheduler.runToQuiescence();
    expect(text(await read)).toBe('operation');
    d.crash();
    expect(text(d.durableSnapshot().get('chain/h/9'))).toBe('nine');
    expect(text(d.durableSnapshot().get('peg/op/a'))).toBe('operation');
    expect(d.faults).toBe(1);
    expect(violations).toEqual([]);
  });

  it('the same seed strikes the same place', async () => {
    const place = async (seed: number) => {
      const { d } = await filled(seed);
      d.injectFault('bit-flip');
      return [...d.durableSnapshot()].map(([k, val]) => `${k}=${Array.from(val).join('.')}`).join(',');
    };
    expect(await place(7)).toBe(await place(7));
  });
});
