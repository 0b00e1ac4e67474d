// An outside libp2p peer, written here with js-libp2p from the installed packages (not the node's own
// network class), joins a three-node network on real Geths through one node, n0 (the authority), and
// publishes garbage on the block topic. n0's gossip validator rejects it before gossipsub relays
// anything: n0 bans the outsider, n1 and n2 never see the garbage and never ban anyone, and keep
// following n0. A second outsider that signs its messages (from/seqno, not StrictNoSign) is dropped by
// gossipsub before validation, and /metrics counts that too.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';

const BLOCK_TOPIC = '/alys/block/1';
const SEEDS = ['41'.repeat(32), '42'.repeat(32), '43'.repeat(32)];
const geths: GethProcess[] = [];
const nodes: NodeProcess[] = [];
const outsiders: Array<Libp2p<{ pubsub: GossipSub }>> = [];

async function outsider(signed: boolean): Promise<Libp2p<{ pubsub: GossipSub }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: signed ? 'StrictSign' : 'StrictNoSign',
        msgIdFn: (m) => new Uint8Array(createHash('sha256').update(m.data).digest()),
        allowPublishToZeroTopicPeers: true,
      }),
    },
  });
  outsiders.push(node);
  return node;
}

async function metrics(n: NodeProcess): Promise<string> {
  return (await fetch(new URL('/metrics', n.rpc))).text();
}

/** The sum of a metric's samples whose labels include every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const peerIdOf = (n: NodeProcess): string => (n.multiaddrs[0] as string).split('/p2p/')[1] as string;
const height = async (n: NodeProcess): Promise<number> => (await n.call<{ height: number }>('getheadblock')).height;
const bansLogged = (n: NodeProcess): string[] => n.output().split('\n').filter((l) => l.includes(' banned for '));

describe('an outside libp2p peer publishing garbage to one node of three', () => {
  beforeAll(async () => {
    geths.push(await startGeth(), await startGeth(), await startGeth());
  }, 900_000);
  afterAll(async () => {
    for (const o of outsiders) await o.stop();
    for (const n of nodes) await n.stop('SIGKILL');
    for (const g of geths) await g.stop();
  });

  it('gets itself banned by that node, while the other two never ban it and keep following', async () => {
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000;
    const authorities = [publicKeyOf(SEEDS[0] as string)];
    const n0 = await startRecovered(writeNodeConfig(geths[0] as GethProcess, { authority: true, authorities, seedHex: SEEDS[0] as string, genesisTimeMs, maxBlocksWithoutPow: 1_000 }).configPath);
    nodes.push(n0);
    const followers: NodeProcess[] = [];
    for (const i of [1, 2]) {
      const n = await startRecovered(
        writeNodeConfig(geths[i] as GethProcess, { authority: false, authorities, seedHex: SEEDS[i] as string, genesisTimeMs, maxBlocksWithoutPow: 1_000, bootstrap: n0.multiaddrs }).configPath,
      );
      nodes.push(n);
      followers.push(n);
    }
    const [n1, n2] = followers as [NodeProcess, NodeProcess];
    await waitFor('n1 and n2 to follow n0 past height 5', async () => ((await height(n1)) >= 5 && (await height(n2)) >= 5 ? true : undefined), 120_000);

    // The outsider joins through n0 only, and publishes garbage on the block topic.
    const x = await outsider(false);
    const n0Id = peerIdFromString(peerIdOf(n0));
    await x.dial(multiaddr(n0.multiaddrs[0] as string));
    x.services.pubsub.subscribe(BLOCK_TOPIC);
    await waitFor("n0 to know the outsider's subscription", async () => (x.services.pubsub.getSubscribers(BLOCK_TOPIC).some((p) => p.equals(n0Id)) ? true : undefined), 30_000, 100);
    const started = Date.now();
    let sent = 0;
    let disconnectedAfterMs: number | undefined;
    while (disconnectedAfterMs === undefined && Date.now() - started < 30_000) {
      const garbage = createHash('sha256').update(`garbage ${sent}`).digest();
      await x.services.pubsub.publish(BLOCK_TOPIC, new Uint8Array(garbage)).catch(() => undefined);
      sent++;
      await new Promise((r) => setTimeout(r, 200));
      if (x.getConnections(n0Id).length === 0) disconnectedAfterMs = Date.now() - started;
    }
    const xId = x.peerId.toString();
    expect(disconnectedAfterMs, `n0 never disconnected the outsider; n0 logged: ${bansLogged(n0).join('; ')}`).toBeDefined();
    await waitFor("n0's ban in its log", async () => (bansLogged(n0).some((l) => l.includes(xId)) ? true : undefined), 10_000);
    // Banned: it cannot come back while the ban lasts (the connection gater refuses it).
    const redial = await x.dial(multiaddr(n0.multiaddrs[0] as string)).then(
      async () => {
        await new Promise((r) => setTimeout(r, 500));
        return x.getConnections(n0Id).length > 0 ? 'connected' : 'refused after the handshake';
      },
      (err: unknown) => `refused: ${(err as Error).message}`,
    );
    expect(redial).toMatch(/^refused/);
    const m0 = await metrics(n0);
    const rejected = sample(m0, 'alys_gossip_messages_total', { topic: 'block', result: 'reject' });
    expect(rejected).toBeGreaterThanOrEqual(4);
    expect(sample(m0, 'alys_peer_bans_total', { reason: 'gossip-block-undecodable' })).toBe(1);
    console.log(`outside peer: ${sent} garbage messages sent; n0 rejected ${rejected}, banned it (${bansLogged(n0).find((l) => l.includes(xId))?.match(/banned for \d+ ms: [\w-]+/)?.[0]}) and disconnected it ${disconnectedAfterMs} ms after the first`);

    // A signing outsider (from, seqno, signature) is dropped by gossipsub before validation, and counted.
    const y = await outsider(true);
    await y.dial(multiaddr(n0.multiaddrs[0] as string));
    y.services.pubsub.subscribe(BLOCK_TOPIC);
    await waitFor("n0 to know the signer's subscription", async () => (y.services.pubsub.getSubscribers(BLOCK_TOPIC).some((p) => p.equals(n0Id)) ? true : undefined), 30_000, 100);
    await y.services.pubsub.publish(BLOCK_TOPIC, new TextEncoder().encode('signed garbage'));
    await waitFor('the dropped signed message in /metrics', async () => (sample(await metrics(n0), 'gossipsub_msg_received_invalid', { error: 'signature_present' }) >= 1 ? true : undefined), 10_000);

    // n1 and n2 never got the garbage (n0 relayed none of it), banned nobody, and still follow n0.
    const before = await height(n1);
    await waitFor('n1 and n2 to keep following n0', async () => ((await height(n1)) >= before + 3 && (await height(n2)) >= before + 3 ? true : undefined), 60_000);
    for (const n of [n1, n2]) {
      const m = await metrics(n);
      expect(bansLogged(n)).toEqual([]);
      expect(sample(m, 'alys_peer_bans_total')).toBe(0);
      expect(sample(m, 'alys_gossip_messages_total', { result: 'reject' })).toBe(0);
      expect(sample(m, 'alys_gossip_messages_total', { topic: 'block', result: 'accept' })).toBeGreaterThan(0);
      expect((await n.call<{ peers: number }>('status')).peers).toBeGreaterThan(0);
    }
  }, 600_000);
});
