// The production network over a slow real link: two libp2p nodes joined through Toxiproxy at the
// sync benchmark's defaults (50 ms round trip, 400 KB/s). Sync responses of 3 MB take 7–8 s on such
// a link, and libp2p's connection monitor pings every connection every 10 s: its ping waits behind
// them. With the library's 5 s ping time-out it closed the healthy connection and the message in it
// was lost (the legacy sync strategy then stalled for its 300 s time-out, at height 4,096 of the
// real benchmark). Every message must arrive on the connection it was sent on. Fails, never skips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ToxiproxyServer, startToxiproxy } from '../../harness/toxiproxy.ts';
import { linkToxics, proxyMultiaddr, tcpUpstream } from '../../bench/sync-real-link.ts';
import type { Libp2pNetwork } from '../../src/io/prod/libp2p-network.ts';
import { addr, inbox, start, stopAll, until } from '../io-prod/fixtures/libp2p-nodes.ts';

const MB = 1024 * 1024;
const LINK = { rttMs: 50, bandwidthKBps: 400 };

let proxy: ToxiproxyServer | undefined;

describe('libp2p over a 400 KB/s link (Toxiproxy)', () => {
  beforeAll(async () => {
    proxy = await startToxiproxy();
  });

  afterAll(async () => {
    await stopAll();
    await proxy?.stop();
  });

  it('carries 3 MB messages back to back for longer than a ping time-out without losing the connection', async () => {
    const server = await start({ privateKey: new Uint8Array(32).fill(11) });
    const client = await start({ privateKey: new Uint8Array(32).fill(12) });
    const tp = (proxy as ToxiproxyServer).client;
    const p = await tp.createProxy({ name: 'slow-link', upstream: tcpUpstream([addr(server)]) });
    for (const t of linkToxics(LINK)) await tp.addToxic(p.name, t);
    client.setBootstrap([proxyMultiaddr(p.listen, server.self)]);
    await until(() => client.peers().includes(server.self) && server.peers().includes(client.self), 'the nodes to connect through the proxy', 20_000);
    const first = connectionIds(server, client.self);
    const atClient = inbox(client);
    // 3 × 3 MB is about 24 s at 400 KB/s: two of the monitor's pings wait behind 5 s or more of it.
    const sent = [0, 1, 2].map((i) => Uint8Array.from({ length: 3 * MB }, (_, j) => (j + i) & 0xff));
    for (const m of sent) server.send(client.self, m);
    await until(() => atClient.length === sent.length, 'the three messages', 60_000);
    expect(atClient.map((g) => g.payload.length)).toEqual(sent.map((m) => m.length));
    expect(atClient.every((g, i) => g.payload[0] === i && g.payload[MB] === ((MB + i) & 0xff))).toBe(true);
    // The same connection throughout: the monitor did not close it and no one dialled again.
    expect(connectionIds(server, client.self)).toEqual(first);
    expect(server.sendStats).toEqual({ sent: 3, retried: 0, dropped: 0 });
  }, 90_000);
});

function connectionIds(n: Libp2pNetwork, peer: string): string[] {
  return n.libp2p
    .getConnections()
    .filter((c) => c.remotePeer.toString() === peer)
    .map((c) => c.id)
    .sort();
}
