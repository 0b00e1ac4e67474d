// The simulated network's gossip, as gossipsub carries it: a publisher sends to its mesh; a receiver
// drops what it has seen, asks its validator, and only on accept delivers (from the forwarder) and
// forwards to its own mesh. A reject or ignore stops the message there; a node with no validator
// relays nothing; meshes beyond D peers are ring neighbours.
import { describe, expect, it } from 'vitest';
import type { GossipResult, GossipVerdict } from '../../src/io/network.ts';
import { SimNetwork } from '../../src/io/sim/network.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

interface Got {
  readonly from: string;
  readonly tag: number;
  readonly gossip: string | undefined;
}

function world(nodes: readonly string[], decide: (node: string, from: string, tag: number) => GossipResult | undefined, meshDegree?: number) {
  const scheduler = new Scheduler();
  const net = new SimNetwork({ scheduler, rng: new SeededRng(1), defaults: { latencyMs: 5, jitterMs: 0 }, ...(meshDegree !== undefined ? { meshDegree } : {}) });
  const got = new Map<string, Got[]>();
  const judged = new Map<string, Array<{ from: string; tag: number }>>();
  for (const n of nodes) {
    net.setNodeUp(n, { alive: true });
    got.set(n, []);
    judged.set(n, []);
    const ep = net.endpoint(n);
    ep.onReceive((from, bytes, gossip) => got.get(n)?.push({ from, tag: bytes[0] ?? -1, gossip }));
    ep.onGossip?.((from, _kind, bytes): GossipVerdict => {
      judged.get(n)?.push({ from, tag: bytes[0] ?? -1 });
      const r = decide(n, from, bytes[0] ?? -1);
      return { result: r ?? 'accept', reason: 'test' };
    });
  }
  return { scheduler, net, got, judged };
}

describe('simulated gossip', () => {
  it('relays an accepted message once to every node, each from the node that forwarded it', async () => {
    const { scheduler, net, got, judged } = world(['a', 'b', 'c', 'd'], () => 'accept');
    net.endpoint('a').gossip?.('block', new Uint8Array([7]));
    await scheduler.runToQuiescence();
    for (const n of ['b', 'c', 'd']) {
      expect(got.get(n)).toHaveLength(1);
      expect(got.get(n)?.[0]?.gossip).toBe('block');
      expect(judged.get(n)).toHaveLength(1);
    }
    // The author never gets its own message back; relays' copies are dropped as seen.
    expect(got.get('a')).toEqual([]);
    expect(net.stats.gossipSeen).toBeGreaterThan(0);
    expect(net.stats.gossipRelayed).toBeGreaterThan(0);
  });

  it('stops a rejected or ignored message at the first node that judges it', async () => {
    // a reaches only b (d = 1, ring): b rejects tag 1 and ignores tag 2, accepts tag 3.
    const nodes = ['a', 'b', 'c', 'd', 'e'];
    const { scheduler, net, got, judged } = world(nodes, (node, _from, tag) => (node === 'b' && tag === 1 ? 'reject' : node === 'b' && tag === 2 ? 'ignore' : 'accept'), 2);
    expect(net.meshOf('a')).toEqual(['b', 'e']);
    net.endpoint('a').injectGossip('b', 'block', new Uint8Array([1]));
    net.endpoint('a').injectGossip('b', 'block', new Uint8Array([2]));
    net.endpoint('a').injectGossip('b', 'block', new Uint8Array([3]));
    await scheduler.runToQuiescence();
    expect(judged.get('b')).toEqual([1, 2, 3].map((tag) => ({ from: 'a', tag })));
    expect(got.get('b')?.map((g) => g.tag)).toEqual([3]);
    // c hears of tag 3 from b, the relay, and never of 1 or 2.
    expect(judged.get('c')?.map((j) => j.tag)).toEqual([3]);
    expect(got.get('c')).toEqual([{ from: 'b', tag: 3, gossip: 'block' }]);
  });

  it('relays nothing through a node that has set no validator', async () => {
    const scheduler = new Scheduler();
    const net = new SimNetwork({ scheduler, rng: new SeededRng(2), meshDegree: 2 });
    const got: string[] = [];
    for (const n of ['a', 'b', 'c']) net.setNodeUp(n, { alive: true });
    net.endpoint('c').onReceive((from) => got.push(from));
    net.endpoint('c').onGossip?.(() => ({ result: 'accept', reason: 'test' }));
    net.endpoint('a').injectGossip('b', 'approval', new Uint8Array([1]));
    await scheduler.runToQuiescence();
    expect(got).toEqual([]);
  });
});
