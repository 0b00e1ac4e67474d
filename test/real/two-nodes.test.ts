// Two `alys node` processes over libp2p on loopback, each with its own real Geth: an authority
// produces; a follower that joins later (bootstrapping to the authority's address) syncs the chain
// through range requests, then follows gossipsub; both Geths report the same blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';

const A = '31'.repeat(32);
const B = '32'.repeat(32);
const gethA: GethProcess[] = [];
const nodes: NodeProcess[] = [];

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await r.json()) as { result: T }).result;
}

describe('a second node joins over libp2p', () => {
  beforeAll(async () => {
    gethA.push(await startGeth(), await startGeth());
  }, 900_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop('SIGKILL');
    for (const g of gethA) await g.stop();
  });

  it('syncs the authority chain and then follows it, as its own Geth reports', async () => {
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000;
    const authorities = [publicKeyOf(A)];
    const a = await startRecovered(writeNodeConfig(gethA[0] as GethProcess, { authority: true, authorities, seedHex: A, genesisTimeMs }).configPath);
    nodes.push(a);
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await mineOnce(a).catch(() => false);
        await new Promise((r) => setTimeout(r, 1_500));
      }
    })();
    try {
      await waitFor('the authority at height 20', async () => ((await a.call<{ height: number }>('getheadblock')).height >= 20 ? true : undefined), 120_000);
      const b = await startRecovered(writeNodeConfig(gethA[1] as GethProcess, { authority: false, authorities, seedHex: B, genesisTimeMs, bootstrap: a.multiaddrs }).configPath);
      nodes.push(b);
      // Synced: the follower reaches the authority's head of a moment ago…
      const target = (await a.call<{ height: number }>('getheadblock')).height;
      await waitFor('the follower to sync', async () => ((await b.call<{ height: number }>('getheadblock')).height >= target ? true : undefined), 120_000);
      // …then follows new blocks as they are gossiped.
      const later = (await a.call<{ height: number }>('getheadblock')).height + 5;
      await waitFor('the follower to follow', async () => ((await b.call<{ height: number }>('getheadblock')).height >= later ? true : undefined), 60_000);
      const ha = await a.call<{ hash: string; executionBlockHash: string }>('getblockbyheight', [later]);
      const hb = await b.call<{ hash: string; executionBlockHash: string }>('getblockbyheight', [later]);
      expect(hb.hash).toBe(ha.hash);
      // The follower's own Geth executed the same execution block.
      const blockOnB = await rpc<{ hash: string } | null>((gethA[1] as GethProcess).rpcUrl, 'eth_getBlockByNumber', [`0x${later.toString(16)}`, false]);
      expect(blockOnB?.hash).toBe(ha.executionBlockHash);
      expect((await b.call<{ peers: number }>('status')).peers).toBeGreaterThan(0);
      // Blocks and approvals went out on gossipsub topics, not by unicast to each peer.
      expect((await a.call<{ gossip: { published: number } }>('status')).gossip.published).toBeGreaterThan(0);
    } finally {
      mining = false;
      await miner;
    }
  }, 600_000);
});
