// A prebuilt chain (harness/prebuilt-chain.ts) against real processes: 300 blocks built on Geth A and
// written into a data directory are recovered by `alys node` as its chain; Geth B, fresh on the same
// genesis, imports the same payloads; and a second node with a fresh Geth C, that far behind, catches
// up over libp2p through the sync pipeline. Fails, never skips, when Geth or the node cannot start.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, gethHeight, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { type PrebuiltChain, measureGethImport, prebuildChain } from '../../harness/prebuilt-chain.ts';

const SEED = '21'.repeat(32);
const BLOCKS = 300;
const SLOT_MS = 1_000;

let gethA: GethProcess | undefined;
let gethB: GethProcess | undefined;
let gethC: GethProcess | undefined;
let node: NodeProcess | undefined;
let follower: NodeProcess | undefined;
let genesisTimeMs = 0;
let nodeDir: string | undefined;
let chain: PrebuiltChain;


describe('a prebuilt chain', () => {
  beforeAll(async () => {
    gethA = await startGeth();
    // Every slot up to the head lies in the past, with some spare so the node sees no future block.
    genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 - (BLOCKS + 10) * SLOT_MS;
    // A follower: an authority would go on producing on top and move the head under the asserts.
    const setup = writeNodeConfig(gethA, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs, slotDurationMs: SLOT_MS });
    nodeDir = dirname(setup.configPath);
    const config = JSON.parse(readFileSync(setup.configPath, 'utf8')) as { chain: { maxBlocksWithoutPow: number } };
    config.chain.maxBlocksWithoutPow = 1_000_000;
    writeFileSync(setup.configPath, JSON.stringify(config, null, 2));
    chain = await prebuildChain({ geth: gethA, seedHex: SEED, blocks: BLOCKS, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir: setup.dataDir });
    node = await startRecovered(setup.configPath);
  }, 300_000);

  afterAll(async () => {
    await follower?.stop();
    await node?.stop();
    await gethA?.stop();
    await gethB?.stop();
    await gethC?.stop();
    for (const dir of [nodeDir, gethA?.dataDir, gethB?.dataDir, gethC?.dataDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('is recovered by alys node as its chain, with Geth at the same height', async () => {
    expect(chain.blocks).toBe(BLOCKS);
    expect(chain.payloads).toHaveLength(BLOCKS);
    expect(chain.headHash).toMatch(/^[0-9a-f]{64}$/);
    const n = node as NodeProcess;
    const head = await n.call<{ height: number; hash: string; executionBlockNumber: number }>('getheadblock');
    expect(head.height).toBe(BLOCKS);
    expect(head.hash).toBe(chain.headHash);
    expect(head.executionBlockNumber).toBe(BLOCKS);
    const mid = await n.call<{ height: number; slot: number; executionBlockNumber: number } | null>('getblockbyheight', [150]);
    expect(mid).toMatchObject({ height: 150, slot: 150, executionBlockNumber: 150 });
    expect(await gethHeight(gethA as GethProcess)).toBe(BLOCKS);
  });

  it('imports into a fresh Geth on the same genesis', async () => {
    gethB = await startGeth();
    const r = await measureGethImport(gethB, chain.payloads);
    expect(r.blocks).toBe(BLOCKS);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.blocksPerSec).toBeGreaterThan(0);
    expect(await gethHeight(gethB)).toBe(BLOCKS);
  }, 120_000);

  it('is synced by a node that far behind through the sync pipeline, as its own Geth reports', async () => {
    gethC = await startGeth();
    const setup = writeNodeConfig(gethC, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: '23'.repeat(32), genesisTimeMs, slotDurationMs: SLOT_MS, bootstrap: (node as NodeProcess).multiaddrs, maxBlocksWithoutPow: 1_000_000 });
    const f = await startRecovered(setup.configPath);
    follower = f;
    await waitFor('the follower to sync', async () => ((await f.call<{ height: number }>('getheadblock')).height >= BLOCKS ? true : undefined), 180_000);
    expect((await f.call<{ hash: string }>('getheadblock')).hash).toBe(chain.headHash);
    expect(await gethHeight(gethC)).toBe(BLOCKS);
    // Caught up by the SyncActor's batches (adopted under the chain's rules), not block by block.
    const st = await f.call<{ events: Record<string, number>; sync: { state: string } }>('status');
    expect(st.events['chain.sync-pipeline-started']).toBeGreaterThanOrEqual(1);
    expect(st.events['chain.sync-batch-adopted']).toBeGreaterThanOrEqual(1);
    expect(st.sync.state).toBe('synced');
  }, 300_000);
});
