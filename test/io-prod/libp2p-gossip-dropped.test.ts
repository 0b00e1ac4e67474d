// Gossip that gossipsub drops before any validator sees it is still counted: a peer that signs its
// messages (from, seqno, signature) on a StrictNoSign network is refused by gossipsub itself, and the
// node's /metrics (gossipsub's metrics on the node's prom-client registry) says how many and why.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { GossipTopic } from '../../src/io/prod/libp2p-network.ts';
import { gossipsubMetrics } from '../../src/io/prod/gossipsub-metrics.ts';
import { inbox, start, stopAll, until } from './fixtures/libp2p-nodes.ts';

afterAll(stopAll);

describe('gossip dropped by gossipsub before validation', () => {
  it('counts a signed message on a StrictNoSign topic, which never reaches the validator or the node', async () => {
    const registry = new Registry();
    const n = await start({ metricsRegister: gossipsubMetrics(registry) });
    const judged: string[] = [];
    const got = inbox(n, (from) => {
      judged.push(from);
      return { result: 'accept', reason: 'test' };
    });
    const signer = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) },
    });
    try {
      await signer.dial(n.libp2p.getMultiaddrs()[0]!);
      signer.services.pubsub.subscribe(GossipTopic.block);
      await until(() => signer.services.pubsub.getSubscribers(GossipTopic.block).some((p) => p.toString() === n.self), "the node's subscription at the signer");
      await signer.services.pubsub.publish(GossipTopic.block, new TextEncoder().encode('signed'));
      const invalid = async (): Promise<number> => {
        const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('gossipsub_msg_received_invalid{error="signature_present"}'));
        return line === undefined ? 0 : Number(line.split(' ')[1]);
      };
      const deadline = Date.now() + 10_000;
      while ((await invalid()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await invalid()).toBeGreaterThanOrEqual(1);
      expect(judged).toEqual([]);
      expect(got).toEqual([]);
    } finally {
      await signer.stop();
    }
  });
});
