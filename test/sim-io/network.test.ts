// The simulated network: latency within its model, bandwidth queueing, loss and duplication at their
// rates, partitions (symmetric, one-way, isolation) with in-flight messages lost, down nodes deaf,
// and the same seed giving the same delivery sequence.
import { describe, expect, it } from 'vitest';
import { SimNetwork, type NetworkEvent } from '../../src/io/sim/network.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import type { LinkModel } from '../../src/io/sim/link-model.ts';

function world(model: Partial<LinkModel>, seed = 1, nodes = ['a', 'b', 'c']) {
  const scheduler = new Scheduler();
  const events: NetworkEvent[] = [];
  const net = new SimNetwork({ scheduler, rng: new SeededRng(seed), defaults: model, observer: (e) => events.push(e) });
  const inbox = new Map<string, Array<{ from: string; at: number; bytes: Uint8Array }>>();
  for (const n of nodes) {
    net.setNodeUp(n, { alive: true });
    inbox.set(n, []);
    net.endpoint(n).onReceive((from, bytes) => inbox.get(n)?.push({ from, at: scheduler.now(), bytes }));
  }
  return { scheduler, net, inbox, events };
}

const msg = (i: number, size = 1): Uint8Array => new Uint8Array(size).fill(i % 256);

describe('SimNetwork', () => {
  it('delivers within base latency plus jitter and keeps the bytes intact', async () => {
    const { scheduler, net, inbox } = world({ latencyMs: 10, jitterMs: 2 });
    for (let i = 0; i < 200; i++) net.endpoint('a').send('b', msg(i, 3));
    await scheduler.runToQuiescence();
    const got = inbox.get('b') ?? [];
    expect(got).toHaveLength(200);
    for (const m of got) expect(m.at).toBeGreaterThanOrEqual(10);
    expect(Math.max(...got.map((m) => m.at))).toBeLessThan(10 + 2 * 20);
    expect(got.map((m) => m.bytes[0]).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('queues messages behind each other on a link with limited bandwidth', async () => {
    const { scheduler, net, inbox } = world({ latencyMs: 1, jitterMs: 0, bandwidthBytesPerMs: 100 });
    for (let i = 0; i < 10; i++) net.endpoint('a').send('b', msg(i, 1_000));
    await scheduler.runToQuiescence();
    const times = (inbox.get('b') ?? []).map((m) => m.at);
    // 1,000 bytes at 100 bytes/ms is 10 ms each: the tenth arrives after 100 ms of transmission.
    expect(times[9]).toBeCloseTo(101, 5);
    expect(times[0]).toBeCloseTo(11, 5);
  });

  it('loses and duplicates at roughly the configured rates', async () => {
    const { scheduler, net, inbox, events } = world({ latencyMs: 1, jitterMs: 0, loss: 0.2, duplicate: 0.1 });
    for (let i = 0; i < 5_000; i++) net.endpoint('a').send('b', msg(i));
    await scheduler.runToQuiescence();
    const lost = events.filter((e) => e.kind === 'drop' && e.reason === 'loss').length;
    const dup = events.filter((e) => e.kind === 'duplicate').length;
    expect(lost / 5_000).toBeGreaterThan(0.17);
    expect(lost / 5_000).toBeLessThan(0.23);
    expect(dup / (5_000 - lost)).toBeGreaterThan(0.08);
    expect(dup / (5_000 - lost)).toBeLessThan(0.12);
    expect(inbox.get('b')).toHaveLength(5_000 - lost + dup);
  });

  it('reorders when told to: later messages overtake', async () => {
    const { scheduler, net, inbox } = world({ latencyMs: 5, jitterMs: 0, reorder: 0.3 });
    for (let i = 0; i < 200; i++) {
      net.endpoint('a').send('b', msg(i));
      await scheduler.runUntil(scheduler.now() + 1);
    }
    await scheduler.runToQuiescence();
    const order = (inbox.get('b') ?? []).map((m) => m.bytes[0] as number);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('partitions cut both ways, one-way blocks one way, isolation all ways; heal restores', async () => {
    const { scheduler, net, inbox } = world({ latencyMs: 1, jitterMs: 0 });
    const send = (from: string, to: string) => net.endpoint(from).send(to, msg(1));
    net.partition([['a'], ['b', 'c']]);
    send('a', 'b');
    send('b', 'a');
    send('b', 'c');
    await scheduler.runToQuiescence();
    expect(inbox.get('b')).toHaveLength(0);
    expect(inbox.get('a')).toHaveLength(0);
    expect(inbox.get('c')).toHaveLength(1);
    net.heal();
    net.blockLink('a', 'b');
    send('a', 'b');
    send('b', 'a');
    await scheduler.runToQuiescence();
    expect(inbox.get('b')).toHaveLength(0);
    expect(inbox.get('a')).toHaveLength(1);
    net.heal();
    net.isolate('c');
    send('a', 'c');
    send('c', 'b');
    await scheduler.runToQuiescence();
    expect(inbox.get('c')).toHaveLength(1);
    expect(inbox.get('b')).toHaveLength(0);
    net.heal();
    send('a', 'b');
    await scheduler.runToQuiescence();
    expect(inbox.get('b')).toHaveLength(1);
  });

  it('overlapping cuts heal separately; an explicit heal lifts them all', async () => {
    const { scheduler, net, inbox } = world({ latencyMs: 1, jitterMs: 0 });
    const send = (from: string, to: string) => net.endpoint(from).send(to, msg(1));
    const partition = net.partition([['a'], ['b', 'c']]);
    const isolation = net.isolate('a');
    const link = net.blockLink('b', 'c');
    expect(net.activeCuts()).toEqual([partition, isolation, link]);
    // The isolation ends first: a is still cut off by the partition, b->c by its own block.
    net.heal(isolation);
    send('a', 'b');
    send('b', 'c');
    send('c', 'b');
    await scheduler.runToQuiescence();
    expect(net.isCut('a', 'b')).toBe(true);
    expect(inbox.get('b')?.map((m) => m.from)).toEqual(['c']);
    expect(inbox.get('c')).toHaveLength(0);
    // Healing a cut twice, or one that is gone, changes nothing.
    net.heal(isolation);
    expect(net.isCut('b', 'a')).toBe(true);
    net.heal(partition);
    send('a', 'b');
    await scheduler.runToQuiescence();
    expect(inbox.get('b')?.map((m) => m.from)).toEqual(['c', 'a']);
    expect(net.isCut('b', 'c')).toBe(true);
    net.isolate('c');
    net.heal();
    expect(net.activeCuts()).toEqual([]);
    expect(net.isCut('b', 'c') || net.isCut('a', 'c') || net.isCut('c', 'a')).toBe(false);
  });

  it('drops messages in flight when a cut starts before they arrive, and messages to a down node', async () => {
    const { scheduler, net, inbox, events } = world({ latencyMs: 10, jitterMs: 0 });
    net.endpoint('a').send('b', msg(1));
    await scheduler.runUntil(5);
    net.partition([['a'], ['b', 'c']]);
    net.endpoint('a').send('c', msg(2));
    net.heal();
    net.setNodeDown('c');
    net.partition([['a'], ['b']]);
    await scheduler.runToQuiescence();
    expect(inbox.get('b')).toHaveLength(0);
    expect(events.filter((e) => e.kind === 'drop').map((e) => (e.kind === 'drop' ? e.reason : ''))).toEqual(['partition', 'node-down']);
  });

  it('gives the same delivery sequence for the same seed and another for another seed', async () => {
    const run = async (seed: number) => {
      const { scheduler, net, inbox } = world({ latencyMs: 3, jitterMs: 5, loss: 0.1, duplicate: 0.1, reorder: 0.2 }, seed);
      for (let i = 0; i < 300; i++) net.endpoint(i % 2 === 0 ? 'a' : 'c').send('b', msg(i));
      await scheduler.runToQuiescence();
      return (inbox.get('b') ?? []).map((m) => `${m.from}:${m.bytes[0]}@${m.at}`).join(',');
    };
    expect(await run(4)).toBe(await run(4));
    expect(await run(4)).not.toBe(await run(5));
  });

  it('a leaky-partition planted bug lets messages cross a cut', async () => {
    const scheduler = new Scheduler();
    const net = new SimNetwork({ scheduler, rng: new SeededRng(1), bugs: { has: (n) => n === 'leaky-partition' }, defaults: { latencyMs: 1, jitterMs: 0 } });
    let got = 0;
    for (const n of ['a', 'b']) net.setNodeUp(n, { alive: true });
    net.endpoint('b').onReceive(() => got++);
    net.partition([['a'], ['b']]);
    for (let i = 0; i < 500; i++) net.endpoint('a').send('b', msg(i));
    await scheduler.runToQuiescence();
    expect(got).toBeGreaterThan(0);
    expect(net.isCut('a', 'b')).toBe(true);
  });
});
