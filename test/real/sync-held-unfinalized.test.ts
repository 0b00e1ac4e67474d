// A node that already holds 150 unfinalized blocks, and its Geth with them, falls 300 behind a peer:
// the sync pipeline takes over from the finalized genesis and downloads again the blocks it holds.
// Committing those would move Geth's head back more than 32 blocks, which Geth v1.17 refuses ("Too
// deep reorg"): before the fix the node failed and restarted the pipeline forever, with either
// strategy. Now both catch up. Fails, never skips, when Geth or a node cannot start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, publicKeyOf, startNodeProcess, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { type GethProcess, gethHeight, startGeth } from '../../harness/geth.ts';
import { prebuildChain } from '../../harness/prebuilt-chain.ts';
import { tempDir } from '../../harness/temp-dirs.ts';

const SEED = '51'.repeat(32);
const TOTAL = 450;
const HELD = 150;
const SLOT_MS = 1_000;

const processes: Array<{ stop(): Promise<void> }> = [];
let server: NodeProcess;
let serverHead: string;
let genesisTimeMs = 0;

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop();
});

beforeAll(async () => {
  genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 - (TOTAL + 60) * SLOT_MS;
  const geth = await startGeth();
  processes.push(geth);
  const dataDir = join(tempDir('alys-held-'), 'data');
  const chain = await prebuildChain({ geth, seedHex: SEED, blocks: TOTAL, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir });
  serverHead = chain.headHash;
  const cfg = writeNodeConfig(geth, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir, maxBlocksWithoutPow: 1_000_000 });
  server = await startRecovered(cfg.configPath);
  processes.push({ stop: () => server.stop('SIGTERM') });
}, 300_000);

describe.each(['parallel', 'sequential'] as const)('a node holding 150 unfinalized blocks, 300 behind (%s)', (strategy) => {
  it('catches up through the sync pipeline, its Geth with it', async () => {
    // The same blocks as the server's first 150: built the same way on a fresh Geth of the same genesis.
    const geth: GethProcess = await startGeth();
    let node: NodeProcess | undefined;
    try {
      const dataDir = join(tempDir('alys-held-'), 'data');
      const held = await prebuildChain({ geth, seedHex: SEED, blocks: HELD, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir });
      expect(held.payloads.length).toBe(HELD);
      // Its own identity: the other strategy's follower must not share its peer id.
      const cfg = writeNodeConfig(geth, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: (strategy === 'parallel' ? '52' : '53').repeat(32), genesisTimeMs, slotDurationMs: SLOT_MS, dataDir, maxBlocksWithoutPow: 1_000_000, bootstrap: server.multiaddrs, sync: { strategy } });
      const logFile = join(tempDir('alys-held-'), 'node.log');
      const n = await startNodeProcess(cfg.configPath, undefined, { logFile });
      node = n;
      await waitFor(
        `${strategy} catch-up to ${TOTAL}`,
        async () => {
          const head = await n.call<{ height: number; hash: string }>('getheadblock');
          return head.height >= TOTAL ? true : undefined;
        },
        180_000,
        250,
      );
      const head = await n.call<{ height: number; hash: string }>('getheadblock');
      expect(head).toMatchObject({ height: TOTAL, hash: serverHead });
      expect(await gethHeight(geth)).toBe(TOTAL);
      // The pipeline did the catching up, and never had to fail to get there.
      const log = readFileSync(logFile, 'utf8');
      expect(log).toMatch(/the sync pipeline takes over from finalized height 0/);
      expect(log).not.toMatch(/sync failed/);
    } finally {
      await node?.stop('SIGTERM');
      await geth.stop();
    }
  }, 240_000);
});
