// A corrupt record on a real disk: a follower `alys node` syncs an authority's chain over libp2p;
// stopped, one byte of a stored block's value in its LevelDB is flipped; restarted, the node finds
// the record failing its checksum, never hands it to its Geth or its peers, fetches the block again
// from the authority and writes it back, and its Geth holds the authority's execution block at that
// height. Real Geths, real LevelDB, loopback ports chosen at run time; fails, never skips, when a
// component cannot start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { nodeDbDir } from '../../harness/prebuilt-chain.ts';
import { RECORD_HEADER_BYTES, openRecord } from '../../src/io/checksummed-storage.ts';
import { LevelStorage } from '../../src/io/prod/level-storage.ts';

const A = '41'.repeat(32);
const B = '42'.repeat(32);
const geths: GethProcess[] = [];
const nodes: NodeProcess[] = [];
const CORRUPT_HEIGHT = 6;

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await r.json()) as { result: T }).result;
}

const heightKeyPrefix = (h: number): string => `chain/h/${String(h).padStart(12, '0')}/`;

/** The raw (sealed) block records at one height of a stopped node's LevelDB. */
async function rawRecords(dataDir: string, height: number): Promise<Array<readonly [string, Uint8Array]>> {
  const db = await LevelStorage.open(nodeDbDir(dataDir));
  try {
    return await db.scan(heightKeyPrefix(height));
  } finally {
    await db.close();
  }
}

describe('a corrupt LevelDB record', () => {
  beforeAll(async () => {
    geths.push(await startGeth(), await startGeth());
  }, 900_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop('SIGKILL');
    for (const g of geths) await g.stop();
  });

  it('is detected on restart, never used, and repaired from a peer', async () => {
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000;
    const authorities = [publicKeyOf(A)];
    const a = await startRecovered(writeNodeConfig(geths[0] as GethProcess, { authority: true, authorities, seedHex: A, genesisTimeMs }).configPath);
    nodes.push(a);
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await mineOnce(a).catch(() => false);
        await new Promise((r) => setTimeout(r, 1_500));
      }
    })();
    try {
      const follower = writeNodeConfig(geths[1] as GethProcess, { authority: false, authorities, seedHex: B, genesisTimeMs, bootstrap: a.multiaddrs });
      let b = await startRecovered(follower.configPath);
      nodes.push(b);
      const synced = CORRUPT_HEIGHT + 6;
      await waitFor(`the follower at height ${synced}`, async () => ((await b.call<{ height: number }>('getheadblock')).height >= synced ? true : undefined), 120_000);
      const want = await a.call<{ hash: string; executionBlockHash: string }>('getblockbyheight', [CORRUPT_HEIGHT]);
      await b.stop('SIGTERM');
      nodes.splice(nodes.indexOf(b), 1);

      // Flip one byte in the middle of the block's value, as a failing disk would.
      const records = await rawRecords(follower.dataDir, CORRUPT_HEIGHT);
      expect(records.map(([k]) => k)).toEqual([`${heightKeyPrefix(CORRUPT_HEIGHT)}${want.hash}`]);
      const [key, sealed] = records[0] as readonly [string, Uint8Array];
      expect('value' in openRecord(key, sealed)).toBe(true);
      const bad = sealed.slice();
      const at = RECORD_HEADER_BYTES + Math.floor((bad.length - RECORD_HEADER_BYTES) / 2);
      bad[at] = (bad[at] as number) ^ 0x5a;
      const db = await LevelStorage.open(nodeDbDir(follower.dataDir));
      try {
        await db.write([{ type: 'put', key, value: bad }], { sync: true });
      } finally {
        await db.close();
      }
      expect('corrupt' in openRecord(key, (await rawRecords(follower.dataDir, CORRUPT_HEIGHT))[0]?.[1] as Uint8Array)).toBe(true);

      b = await startRecovered(follower.configPath);
      nodes.push(b);
      // Detected: the node counted it and logged it with its key.
      const events = async () => (await b.call<{ events: Record<string, number> }>('status')).events;
      expect((await events())['storage.corrupt-record']).toBe(1);
      expect(b.output()).toContain(`corrupt record ${key}: checksum-mismatch`);
      // Repaired: the block comes back from the authority, as the authority has it, and is written again.
      const later = (await a.call<{ height: number }>('getheadblock')).height;
      await waitFor('the follower to catch up again', async () => ((await b.call<{ height: number }>('getheadblock')).height >= later ? true : undefined), 120_000);
      await waitFor('the record to be written again', async () => (((await events())['storage.record-repaired'] ?? 0) >= 1 ? true : undefined), 60_000);
      const got = await b.call<{ hash: string; executionBlockHash: string }>('getblockbyheight', [CORRUPT_HEIGHT]);
      expect(got).toMatchObject({ hash: want.hash, executionBlockHash: want.executionBlockHash });
      // Its Geth holds the authority's execution block there: nothing corrupt reached it.
      const onGeth = await rpc<{ hash: string } | null>((geths[1] as GethProcess).rpcUrl, 'eth_getBlockByNumber', [`0x${CORRUPT_HEIGHT.toString(16)}`, false]);
      expect(onGeth?.hash).toBe(want.executionBlockHash);
      await b.stop('SIGTERM');
      nodes.splice(nodes.indexOf(b), 1);
      // And on disk the record verifies again.
      const repaired = await rawRecords(follower.dataDir, CORRUPT_HEIGHT);
      expect(repaired.map(([k]) => k)).toEqual([key]);
      expect('value' in openRecord(key, (repaired[0] as readonly [string, Uint8Array])[1])).toBe(true);
    } finally {
      mining = false;
      await miner;
    }
  }, 600_000);
});
