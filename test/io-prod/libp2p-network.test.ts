// The production network on real libp2p over loopback: unicast both ways, gossip relayed through a
// hub, frame limits, bans through the connection gater, and garbage on the raw protocol. Every node
// listens on a port chosen at run time and is stopped after each test; a node that cannot start
// fails the test with its error.
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_PENALTY, GossipTopic, type Libp2pNetwork, type Libp2pNetworkOptions, MSG_PROTOCOL, createLibp2pNetwork } from '../../src/io/prod/libp2p-network.ts';
import { type Got, addr, inbox, sleep, start, stopAll, until } from './fixtures/libp2p-nodes.ts';

afterEach(stopAll);

const bytes = (len: number, seed: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed) & 0xff);

async function pair(bOpts: Libp2pNetworkOptions = {}): Promise<[Libp2pNetwork, Libp2pNetwork]> {
  const a = await start();
  const b = await start({ bootstrap: [addr(a)], ...bOpts });
  await until(() => a.peers().includes(b.self) && b.peers().includes(a.self), 'a and b to connect');
  return [a, b];
}

describe('Libp2pNetwork (real libp2p on loopback)', () => {
  it('connects through bootstrap and carries unicast both ways, in order, bytes equal', async () => {
    const [a, b] = await pair();
    const atA = inbox(a);
    const atB = inbox(b);
    const toB = [bytes(10, 1), bytes(0, 0), bytes(1 << 20, 2), bytes(300, 3)];
    const toA = [bytes(7, 4), bytes(70_000, 5)];
    for (const m of toB) a.send(b.self, m);
    for (const m of toA) b.send(a.self, m);
    await until(() => atB.length === toB.length && atA.length === toA.length, 'all messages');
    expect(atB.map((g) => g.payload)).toEqual(toB);
    expect(atA.map((g) => g.payload)).toEqual(toA);
    expect(atB.every((g) => g.from === a.self) && atA.every((g) => g.from === b.self)).toBe(true);
    await until(() => a.sendStats.sent === toB.length, 'a to count its writes');
    expect(a.sendStats).toEqual({ sent: toB.length, retried: 0, dropped: 0 });
  });

  it('counts and reports a message it could not write twice, and goes on with the next one', async () => {
    const failures: Array<{ to: string; bytes: number; final: boolean }> = [];
    const a = await start({ onSendFailure: (to, n, _err, final) => failures.push({ to, bytes: n, final }) });
    const b = await start({ bootstrap: [addr(a)] });
    await until(() => a.peers().includes(b.self), 'a and b to connect');
    const gone = b.self;
    await b.stop();
    a.send(gone, bytes(1_000, 6));
    await until(() => a.sendStats.dropped === 1, 'the write to a stopped peer to be dropped');
    expect(a.sendStats).toEqual({ sent: 0, retried: 1, dropped: 1 });
    expect(failures).toEqual([
      { to: gone, bytes: 1_000, final: false },
      { to: gone, bytes: 1_000, final: true },
    ]);
    // The queue to that peer is not stuck on the failure: a live peer still gets what follows.
    const c = await start({ bootstrap: [addr(a)] });
    const atC = inbox(c);
    await until(() => a.peers().includes(c.self), 'a and c to connect');
    a.send(c.self, bytes(10, 7));
    await until(() => atC.length === 1, 'c to get its message');
  });

  it('derives a stable node id from a 32-byte seed', async () => {
    const seed = new Uint8Array(32).fill(7);
    const first = await start({ privateKey: seed });
    const id = first.self;
    await first.stop();
    const again = await start({ privateKey: seed });
    const other = await start({ privateKey: new Uint8Array(32).fill(8) });
    expect(again.self).toBe(id);
    expect(other.self).not.toBe(id);
    await expect(createLibp2pNetwork({ privateKey: new Uint8Array(31) })).rejects.toThrow(/32 bytes/);
  });

  it('gossips a block from one spoke to the hub and, relayed, to the other spoke', async () => {
    const hub = await start();
    const b = await start({ bootstrap: [addr(hub)] });
    const c = await start({ bootstrap: [addr(hub)] });
    const atHub = inbox(hub);
    const atC = inbox(c);
    const topic = GossipTopic.block;
    await until(() => hub.topicPeers(topic).length === 2 && b.topicPeers(topic).includes(hub.self) && c.topicPeers(topic).includes(hub.self), 'subscriptions');
    const block = bytes(5_000, 9);
    const seen = (got: Got[]): boolean => got.some((g) => g.payload.length === block.length);
    // The hub forwards only to its mesh, which its heartbeat builds: publish again until it has.
    // Each attempt differs in one byte: gossip is deduplicated by content, so a resend of the same
    // bytes would be refused as a duplicate.
    const deadline = Date.now() + 15_000;
    for (let attempt = 0; !(seen(atHub) && seen(atC)) && Date.now() < deadline; attempt++) {
      const copy = block.slice();
      copy[0] = attempt & 0xff;
      await b.publish(topic, copy);
      await sleep(500);
    }
    const hubGot = atHub.find((g) => g.payload.length === block.length);
    const cGot = atC.find((g) => g.payload.length === block.length);
    expect(hubGot?.from).toBe(b.self);
    expect(cGot?.from).toBe(hub.self);
    expect(cGot?.payload.subarray(1)).toEqual(block.subarray(1));
    await expect(b.publish(topic, bytes(b.maxMessageBytes + 1, 0))).rejects.toThrow(RangeError);
  });

  it('refuses oversized frames on both sides and penalises the sender', async () => {
    const [a, b] = await pair({ maxMessageBytes: 1024 });
    const atA = inbox(a);
    const atB = inbox(b);
    // a allows 4 MiB, b only 1 KiB: b refuses the frame and charges a for it.
    a.send(b.self, bytes(2048, 1));
    await until(() => b.score(a.self) === FRAME_PENALTY, 'b to penalise a');
    await sleep(200);
    a.send(b.self, bytes(100, 2));
    await until(() => atB.length === 1, 'the small message after the refused one');
    expect(atB[0]!.payload).toEqual(bytes(100, 2));
    // b will not send what it would not accept itself; what follows it arrives alone.
    b.send(a.self, bytes(2048, 3));
    b.send(a.self, bytes(10, 4));
    await until(() => atA.length === 1, 'the small message from b');
    await sleep(200);
    expect(atA.map((g) => g.payload)).toEqual([bytes(10, 4)]);
  });

  it('disconnects a banned peer, refuses it while banned, and lets it back after', async () => {
    const b = await start();
    const a = await start({ bootstrap: [addr(b)] });
    await until(() => a.peers().includes(b.self) && b.peers().includes(a.self), 'a and b to connect');
    const atB = inbox(b);
    const atA = inbox(a);
    let opened = 0;
    b.libp2p.addEventListener('connection:open', (e) => {
      if (e.detail.remotePeer.equals(a.libp2p.peerId)) opened++;
    });
    b.ban(a.self, Date.now() + 3_000);
    expect(b.isBanned(a.self)).toBe(true);
    await until(() => b.libp2p.getConnections(a.libp2p.peerId).length === 0 && !a.peers().includes(b.self), 'the connection to close');
    // a keeps redialing (every 300 ms) and dials explicitly. With optimistic muxer selection a's
    // dial may resolve, but b's gater drops the connection after the handshake: it never opens at b.
    await a.libp2p.dial(b.libp2p.peerId).catch(() => undefined);
    await until(() => a.libp2p.getConnections(b.libp2p.peerId).length === 0, 'a to see the refusal', 2_000);
    a.send(b.self, bytes(5, 1));
    b.send(a.self, bytes(5, 2));
    for (let i = 0; i < 8; i++) {
      expect(b.libp2p.getConnections(a.libp2p.peerId).filter((c) => c.status === 'open').length).toBe(0);
      expect(b.peers()).not.toContain(a.self);
      await sleep(200);
    }
    expect(atB.length + atA.length).toBe(0);
    expect(opened).toBe(0);
    await until(() => b.peers().includes(a.self), 'a to reconnect after the ban', 10_000);
    expect(b.isBanned(a.self)).toBe(false);
    expect(opened).toBeGreaterThan(0);
  });

  it('survives garbage on the raw protocol, penalising the sender', async () => {
    const [a, b] = await pair();
    const c = await start({ bootstrap: [addr(b)] });
    await until(() => b.peers().includes(c.self), 'c to connect');
    const atB = inbox(b);
    // A length prefix that never ends (varint longer than 8 bytes).
    const s1 = await a.libp2p.dialProtocol(b.libp2p.peerId, MSG_PROTOCOL);
    s1.send(new Uint8Array(16).fill(0xff));
    await until(() => b.score(a.self) === FRAME_PENALTY, 'b to penalise a');
    // A frame that announces 100 bytes and ends after 3, then a reset stream.
    const s2 = await c.libp2p.dialProtocol(b.libp2p.peerId, MSG_PROTOCOL);
    s2.send(Uint8Array.of(100, 1, 2, 3));
    await s2.close().catch(() => undefined);
    const s3 = await c.libp2p.dialProtocol(b.libp2p.peerId, MSG_PROTOCOL);
    s3.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80));
    s3.abort(new Error('test reset'));
    await sleep(300);
    expect(atB.length).toBe(0);
    // b still works for both peers.
    a.send(b.self, bytes(20, 1));
    c.send(b.self, bytes(30, 2));
    await until(() => atB.length === 2, 'messages after the garbage');
    expect(atB.map((g) => g.payload.length).sort()).toEqual([20, 30]);
  });
});
