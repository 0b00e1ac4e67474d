// The production node (`alys node`) against a real Geth: it produces 100 blocks that Geth reports,
// merged-mined through its own JSON-RPC; restarts from LevelDB and continues from its head; and
// after a SIGKILL in the middle of producing, loses no block it had committed. Fails, never skips,
// when Geth or the node cannot start.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, gethHeight, startGeth } from '../../harness/geth.ts';
import { MALLOC_TUNABLES, NODE_FLAGS } from '../../src/io/prod/process-settings.ts';
import { type NodeProcess, backgroundMiner, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';

const SEED = '21'.repeat(32);
let geth: GethProcess;
let node: NodeProcess | undefined;
let configPath = '';



describe('alys node against a real Geth', () => {
  beforeAll(async () => {
    geth = await startGeth();
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000;
    configPath = writeNodeConfig(geth, { authority: true, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs }).configPath;
    node = await startRecovered(configPath);
  }, 900_000);
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await geth?.stop();
  });

  it('produces 100 blocks that Geth reports, finalized by merged mining through its JSON-RPC', async () => {
    const m = backgroundMiner(() => node);
    try {
      await waitFor('Geth at height 100', async () => ((await gethHeight(geth)) >= 100 ? true : undefined), 240_000);
    } finally {
      m.stop();
    }
    const head = await (node as NodeProcess).call<{ height: number; executionBlockNumber: number; hash: string }>('getheadblock');
    expect(head.height).toBeGreaterThanOrEqual(100);
    expect(head.executionBlockNumber).toBe(head.height);
    const status = await (node as NodeProcess).call<{ finalized: number; execution: string }>('status');
    expect(status.finalized).toBeGreaterThan(0);
    expect(status.execution).toBe('online');
    const metrics = await (await fetch(`${(node as NodeProcess).rpc}/metrics`)).text();
    expect(metrics).toMatch(/alys_sync_current_height\s+\d+/);
    // The process's own gauges, as the sync benchmark reads them.
    const resident = Number(/^process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1]);
    expect(resident).toBeGreaterThan(20 * 1024 * 1024);
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(metrics).toMatch(/^nodejs_external_memory_bytes \d+/m);
    // Alone, it sent no direct message, and lost none.
    expect(metrics).toMatch(/^alys_network_direct_messages_total\{outcome="dropped"\} 0$/m);
  }, 300_000);

  it('runs with the malloc tunables and V8 flags it starts itself again with, in the same process', async () => {
    const pid = (node as NodeProcess).child.pid as number;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const tunables = environ.find((e) => e.startsWith('GLIBC_TUNABLES='));
    for (const [k, v] of Object.entries(MALLOC_TUNABLES)) expect(tunables).toContain(`${k}=${v}`);
    for (const f of NODE_FLAGS) expect(cmdline).toContain(f);
    // The same process the harness started, still answering.
    expect((await (node as NodeProcess).call<{ height: number }>('getheadblock')).height).toBeGreaterThan(0);
  });

  it('restarts from LevelDB and continues from its head', async () => {
    const before = await (node as NodeProcess).call<{ height: number; hash: string }>('getheadblock');
    await (node as NodeProcess).stop('SIGTERM');
    node = await startRecovered(configPath);
    const again = await (node as NodeProcess).call<{ hash: string } | null>('getblockbyheight', [before.height]);
    expect(again?.hash).toBe(before.hash);
    const m = backgroundMiner(() => node);
    try {
      await waitFor('new blocks after the restart', async () => ((await (node as NodeProcess).call<{ height: number }>('getheadblock')).height >= before.height + 5 ? true : undefined), 120_000);
    } finally {
      m.stop();
    }
    expect(await gethHeight(geth)).toBeGreaterThanOrEqual(before.height + 5);
  }, 300_000);

  it('loses no committed block to a SIGKILL in the middle of producing', async () => {
    const m = backgroundMiner(() => node);
    const seen: Array<{ height: number; hash: string }> = [];
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 2_000 + i * 700));
        seen.push(await (node as NodeProcess).call<{ height: number; hash: string }>('getheadblock'));
        await (node as NodeProcess).stop('SIGKILL');
        node = await startRecovered(configPath);
        const head = await (node as NodeProcess).call<{ height: number }>('getheadblock');
        for (const s of seen) {
          const b = await (node as NodeProcess).call<{ hash: string } | null>('getblockbyheight', [s.height]);
          expect(b?.hash, `round ${i}: block ${s.height} (head now ${head.height})`).toBe(s.hash);
        }
      }
      // The miner keeps running: without proofs of work the node rightly stops producing after
      // maxBlocksWithoutPow blocks, which is not what this test is about.
      const last = seen[seen.length - 1] as { height: number };
      await waitFor('production after the kills', async () => ((await (node as NodeProcess).call<{ height: number }>('getheadblock')).height > last.height ? true : undefined), 60_000).catch(async (e: unknown) => {
        const status = await (node as NodeProcess).call<unknown>('status').catch((x: unknown) => String(x));
        throw new Error(`${String(e)}\nstatus: ${JSON.stringify(status)}\nnode log tail:\n${(node as NodeProcess).output().slice(-4_000)}`);
      });
    } finally {
      m.stop();
    }
  }, 400_000);

  it('carries on when its Geth is SIGKILLed and comes back without its newest blocks', async () => {
    // Found by the nemesis: Geth flushes state only now and then, so a killed Geth restarts behind
    // the node, and the node must hand it the lost blocks again instead of waiting for ever.
    const m = backgroundMiner(() => node);
    try {
      const n = node as NodeProcess;
      const before = (await n.call<{ height: number }>('getheadblock')).height;
      await waitFor('a few more blocks', async () => ((await n.call<{ height: number }>('getheadblock')).height >= before + 5 ? true : undefined), 60_000);
      await geth.kill9();
      geth = await geth.restart();
      const atRestart = (await n.call<{ height: number }>('getheadblock')).height;
      const gethAtRestart = await gethHeight(geth);
      await waitFor('Geth past the node\'s head at its restart', async () => ((await gethHeight(geth)) > atRestart + 3 ? true : undefined), 120_000).catch((e: unknown) => {
        throw new Error(`${String(e)} (Geth came back at ${gethAtRestart}, the node was at ${atRestart})\nnode log tail:\n${n.output().slice(-4_000)}`);
      });
      // When Geth did come back behind (it usually does), the node says it replayed to it.
      const events = (await n.call<{ events: Record<string, number> }>('status')).events;
      if (gethAtRestart < atRestart) expect(events['chain.execution-behind-replayed'] ?? 0).toBeGreaterThanOrEqual(1);
    } finally {
      m.stop();
    }
  }, 300_000);
});
