// NetworkIO.gossip on real libp2p over loopback: three nodes in a line A–B–C (A and C never connect
// directly), so what C gets from A was relayed by B. Gossipsub runs StrictNoSign with a content
// message id: the same bytes are one message whoever publishes them, so a relay that gossips a block
// it received is a duplicate, nobody gets it twice, and nobody gets its own gossip back. Each kind has
// its own topic. The nodes are shared by the tests (in order) and stopped in afterAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GossipKind } from '../../src/io/network.ts';
import { GossipTopic, type Libp2pNetwork } from '../../src/io/prod/libp2p-network.ts';
import { type Got, addr, inbox, sleep, start, stopAll, until as waitUntil } from './fixtures/libp2p-nodes.ts';

afterAll(stopAll);

/** Gossipsub meshes form on its ~1 s heartbeat: longer waits than unicast needs. */
const until = (cond: () => boolean, what: string, ms = 15_000): Promise<void> => waitUntil(cond, what, ms);

/** Which topic each received payload came on (by its first byte, which the tests keep distinct). */
function topicsSeen(n: Libp2pNetwork): Map<number, string[]> {
  const seen = new Map<number, string[]>();
  n.libp2p.services.pubsub.addEventListener('gossipsub:message', (e) => {
    const tag = e.detail.msg.data[0]!;
    seen.set(tag, [...(seen.get(tag) ?? []), e.detail.msg.topic]);
  });
  return seen;
}

const bytes = (len: number, seed: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed) & 0xff);
const tagged = (tag: number, len: number): Uint8Array => {
  const b = bytes(len, tag);
  b[0] = tag;
  return b;
};
const equal = (x: Uint8Array, y: Uint8Array): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
const count = (got: readonly Got[], p: Uint8Array): number => got.filter((g) => equal(g.payload, p)).length;
/** The topic's mesh peers: on the gossipsub implementation, though not on its exported interface. */
const mesh = (n: Libp2pNetwork, topic: string): readonly string[] =>
  (n.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topic);

const A_MAX = 100_000;

describe('Libp2pNetwork.gossip (real libp2p on loopback, line A–B–C)', () => {
  let a: Libp2pNetwork;
  let b: Libp2pNetwork;
  let c: Libp2pNetwork;
  let atA: Got[];
  let atB: Got[];
  let atC: Got[];
  let topicsAtC: Map<number, string[]>;

  beforeAll(async () => {
    b = await start();
    a = await start({ bootstrap: [addr(b)], maxMessageBytes: A_MAX });
    c = await start({ bootstrap: [addr(b)] });
    atA = inbox(a);
    atB = inbox(b);
    atC = inbox(c);
    topicsAtC = topicsSeen(c);
    // Gossipsub grafts on subscription; wait until every topic's mesh is the line itself.
    for (const topic of Object.values(GossipTopic)) {
      await until(
        () => mesh(b, topic).includes(a.self) && mesh(b, topic).includes(c.self) && mesh(a, topic).includes(b.self) && mesh(c, topic).includes(b.self),
        `the ${topic} mesh`,
      );
    }
    expect(a.peers()).not.toContain(c.self);
    expect(c.peers()).not.toContain(a.self);
  });

  const block = tagged(1, 5_000);

  it('spreads a block from A to B and, relayed by B, to C, each from the peer that forwarded it', async () => {
    expect(() => a.gossip('block', block)).not.toThrow();
    await until(() => count(atB, block) > 0 && count(atC, block) > 0, 'the block at B and C');
    expect(atB.find((g) => equal(g.payload, block))?.from).toBe(a.self);
    expect(atC.find((g) => equal(g.payload, block))?.from).toBe(b.self);
    expect(topicsAtC.get(1)).toEqual([GossipTopic.block]);
    await until(() => a.gossipStats.published === 1, "A's publish to settle");
    expect(a.gossipStats).toEqual({ published: 1, duplicates: 0, failed: 0 });
    // A and C are still not connected: C's copy can only have come through B.
    expect(c.peers()).not.toContain(a.self);
  });

  it('treats the same bytes gossiped again by a relay (or the author) as one message', async () => {
    // B relays the block it received: gossipsub knows its id (the hash of the bytes) and refuses it.
    b.gossip('block', block.slice());
    await until(() => b.gossipStats.duplicates === 1, 'B to count a duplicate');
    expect(b.gossipStats).toEqual({ published: 0, duplicates: 1, failed: 0 });
    // So does A, the author, for the same bytes.
    a.gossip('block', block.slice());
    await until(() => a.gossipStats.duplicates === 1, 'A to count a duplicate');
    await sleep(1_500);
    expect(count(atC, block)).toBe(1);
    expect(count(atB, block)).toBe(1);
    // A, the author, never had its own block delivered to it.
    expect(count(atA, block)).toBe(0);
    expect(topicsAtC.get(1)).toEqual([GossipTopic.block]);
  });

  it('delivers what B relays for the first time once to each of A and C, and not back to B', async () => {
    const fromB = tagged(2, 3_000);
    b.gossip('block', fromB);
    await until(() => count(atA, fromB) === 1 && count(atC, fromB) === 1, 'B’s block at A and C');
    await sleep(1_000);
    expect([count(atA, fromB), count(atB, fromB), count(atC, fromB)]).toEqual([1, 0, 1]);
    expect(atA.find((g) => equal(g.payload, fromB))?.from).toBe(b.self);
    await until(() => b.gossipStats.published === 1, "B's publish to settle");
    expect(b.gossipStats).toEqual({ published: 1, duplicates: 1, failed: 0 });
  });

  it('puts each kind on its own topic: a node subscribed only to blocks gets no approval or auxpow', async () => {
    expect(new Set(Object.values(GossipTopic)).size).toBe(3);
    const d = await start({ bootstrap: [addr(b)], gossipTopics: [GossipTopic.block] });
    const atD = inbox(d);
    await until(() => mesh(b, GossipTopic.block).includes(d.self) && mesh(d, GossipTopic.block).includes(b.self), 'D in the block mesh');
    expect(b.topicPeers(GossipTopic.approval)).not.toContain(d.self);
    const sent: Record<GossipKind, Uint8Array> = { block: tagged(10, 200), approval: tagged(11, 200), auxpow: tagged(12, 200) };
    a.gossip('approval', sent.approval);
    a.gossip('auxpow', sent.auxpow);
    a.gossip('block', sent.block);
    await until(() => Object.values(sent).every((p) => count(atC, p) === 1) && count(atD, sent.block) === 1, 'all kinds at C, the block at D');
    expect(topicsAtC.get(10)).toEqual([GossipTopic.block]);
    expect(topicsAtC.get(11)).toEqual([GossipTopic.approval]);
    expect(topicsAtC.get(12)).toEqual([GossipTopic.auxpow]);
    await sleep(1_500);
    expect(atD.map((g) => g.payload)).toEqual([sent.block]);
    expect(atD[0]!.from).toBe(b.self);
  });

  it("relays only what the relay's validator accepts, and a reject counts against the peer that sent it", async () => {
    const judged: Array<{ from: string; tag: number }> = [];
    b.onGossip((from, _kind, payload) => {
      judged.push({ from, tag: payload[0]! });
      if (payload[0] === 30) return { result: 'reject', reason: 'test-garbage' };
      if (payload[0] === 31) return { result: 'ignore', reason: 'test-old' };
      return { result: 'accept', reason: 'test' };
    });
    const scoreBefore = b.gossipScore(a.self);
    const rejected = tagged(30, 500);
    const ignored = tagged(31, 500);
    const accepted = tagged(32, 500);
    a.gossip('block', rejected);
    a.gossip('block', ignored);
    a.gossip('block', accepted);
    await until(() => count(atC, accepted) === 1, 'the accepted block at C');
    await sleep(1_000);
    // B judged each once, from A (the peer that sent it to B); only the accepted one went on to C.
    expect(judged.filter((j) => j.tag >= 30 && j.tag <= 32)).toEqual([30, 31, 32].map((tag) => ({ from: a.self, tag })));
    expect([count(atB, rejected), count(atB, ignored), count(atB, accepted)]).toEqual([0, 0, 1]);
    expect([count(atC, rejected), count(atC, ignored)]).toEqual([0, 0]);
    expect(atC.find((g) => equal(g.payload, accepted))).toMatchObject({ from: b.self, gossip: 'block' });
    // Gossipsub's own score of A at B fell for the reject (invalid-message deliveries).
    expect(b.gossipScore(a.self)).toBeLessThan(scoreBefore);
    b.onGossip(() => ({ result: 'accept', reason: 'test' }));
  });

  it('relays nothing before the node has set a validator', async () => {
    const d = await start({ bootstrap: [addr(b)] });
    const e = await start({ bootstrap: [addr(d)] });
    const atE = inbox(e);
    await until(() => mesh(d, GossipTopic.block).includes(b.self) && mesh(d, GossipTopic.block).includes(e.self), "D's block mesh");
    const p = tagged(40, 300);
    b.gossip('block', p);
    await sleep(2_000);
    expect(count(atE, p)).toBe(0);
  });

  it('refuses an oversized payload without throwing, and does nothing once stopped', async () => {
    const before = { ...a.gossipStats };
    const big = tagged(20, A_MAX + 1);
    expect(() => a.gossip('block', big)).not.toThrow();
    expect(a.gossipStats).toEqual({ ...before, failed: before.failed + 1 });
    // The limit is A's own: exactly maxMessageBytes still goes.
    const max = tagged(21, A_MAX);
    a.gossip('block', max);
    await until(() => count(atC, max) === 1, 'the largest allowed payload at C');
    expect(count(atB, big) + count(atC, big)).toBe(0);
    expect(a.gossipStats.published).toBe(before.published + 1);

    const e = await start({ bootstrap: [addr(b)] });
    await e.stop();
    expect(() => e.gossip('auxpow', tagged(22, 10))).not.toThrow();
    expect(e.gossipStats).toEqual({ published: 0, duplicates: 0, failed: 1 });
  });
});
