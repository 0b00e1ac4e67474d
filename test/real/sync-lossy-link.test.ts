// Sync over a link that loses a request's answer, against real processes: a serving `alys node`
// holding a prebuilt 300-block chain drops the first range response it sends (at its libp2p
// transport, through harness/faulty-node.ts), and a follower with a fresh Geth, whose only peer it
// is, must time out, retry that same peer after a back-off, and complete (issue 12: sync used to
// stall for good after one lost message when it had one peer). Fails, never skips.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { type PrebuiltChain, prebuildChain } from '../../harness/prebuilt-chain.ts';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');
const SEED = '31'.repeat(32);
const BLOCKS = 300;
const SLOT_MS = 1_000;

let gethA: GethProcess | undefined;
let gethB: GethProcess | undefined;
let server: NodeProcess | undefined;
let follower: NodeProcess | undefined;
let genesisTimeMs = 0;
const dirs: string[] = [];
let chain: PrebuiltChain;

describe('sync from a single peer over a link that drops a response', () => {
  beforeAll(async () => {
    gethA = await startGeth();
    genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 - (BLOCKS + 10) * SLOT_MS;
    const setup = writeNodeConfig(gethA, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs, slotDurationMs: SLOT_MS, maxBlocksWithoutPow: 1_000_000 });
    dirs.push(dirname(setup.configPath));
    chain = await prebuildChain({ geth: gethA, seedHex: SEED, blocks: BLOCKS, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir: setup.dataDir });
    server = await startRecovered(setup.configPath, ['--drop-sync-response', '1']);
  }, 300_000);

  afterAll(async () => {
    await follower?.stop();
    await server?.stop();
    await gethA?.stop();
    await gethB?.stop();
    for (const dir of [...dirs, gethA?.dataDir, gethB?.dataDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('the follower times out, retries its only peer after a back-off, and completes', async () => {
    gethB = await startGeth();
    const setup = writeNodeConfig(gethB, { authority: false, authorities: [publicKeyOf(SEED)], seedHex: '33'.repeat(32), genesisTimeMs, slotDurationMs: SLOT_MS, bootstrap: (server as NodeProcess).multiaddrs, maxBlocksWithoutPow: 1_000_000 });
    dirs.push(dirname(setup.configPath));
    const logFile = join(dirname(setup.configPath), 'follower.log');
    const f = await startRecovered(setup.configPath, undefined, { logFile });
    follower = f;
    // While it syncs, `alys status` shows a progress bar (issue 17), and --json the same status.
    let shownSyncing: string | undefined;
    await waitFor(
      'the follower to sync',
      async () => {
        if (shownSyncing === undefined) {
          const r = spawnSync(process.execPath, [ALYS, 'status', '--rpc', f.rpc], { encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
          if (/^sync +(downloading|catching-up) \[[#-]+\] [\d.]+ % +\d+\/300/m.test(r.stdout)) shownSyncing = r.stdout;
        }
        return (await f.call<{ height: number }>('getheadblock')).height >= BLOCKS ? true : undefined;
      },
      180_000,
    );
    expect(shownSyncing, 'alys status never showed the sync in progress').toBeDefined();
    expect(shownSyncing).toMatch(/^head +\d+ [0-9a-f]{10}…[0-9a-f]{6}$/m);
    expect(shownSyncing).toMatch(/^peers +1 /m);
    const json = spawnSync(process.execPath, [ALYS, 'status', '--rpc', f.rpc, '--json'], { encoding: 'utf8' });
    expect((JSON.parse(json.stdout) as { sync: { state: string; currentHeight: number } }).sync).toMatchObject({ state: 'synced', currentHeight: BLOCKS });
    // The node's own log: progress lines every few seconds while behind, then one summary.
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/sync: (downloading|catching-up) \d+\/300 \([\d.]+ %\), [\d.]+ blocks\/s, ETA \S+, 1 peer/);
    expect(log).toMatch(/sync: done at height 300: \d+ blocks in \S+ \([\d.]+ blocks\/s\)/);
    expect((await f.call<{ hash: string }>('getheadblock')).hash).toBe(chain.headHash);
    expect((server as NodeProcess).output()).toContain('faulty-node: dropped range response 1');
    const st = await f.call<{ peers: number; events: Record<string, number>; sync: { state: string } }>('status');
    expect(st.peers).toBe(1);
    // The lost answer timed out and the batch went back to the same (only) peer.
    expect(st.events['sync.request-timed-out']).toBeGreaterThanOrEqual(1);
    expect(st.events['sync.retried-failed-peer']).toBeGreaterThanOrEqual(1);
    expect(st.events['chain.sync-batch-adopted']).toBeGreaterThanOrEqual(1);
    expect(st.sync.state).toBe('synced');
  }, 300_000);
});
