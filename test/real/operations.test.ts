// Operating a real node: the staged Engine API V3 rollout on real Geths (a Cancun Geth taken through
// every stage to 100 %; a Shanghai Geth, which refuses V3, rolled back automatically and the
// rollback kept across a restart), the admin token, backup of a producing node and restore into a
// fresh directory with a fresh Geth, and /metrics checked by promtool. Fails, never skips, when a
// component cannot start.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NodeProcess, backgroundMiner, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { type GethProcess, gethHeight, startGeth } from '../../harness/geth.ts';
import { tempDir } from '../../harness/temp-dirs.ts';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');
const TOKEN = 'admin-token-for-the-real-suite-0123';
const gethes: GethProcess[] = [];
const nodes: NodeProcess[] = [];
let firstConfigPath = '';

interface RolloutStatus {
  percent: number;
  paused: boolean;
  rolledBack?: { reason: string };
  rollbacks: number;
}

async function admin<T>(node: NodeProcess, method: string, params: unknown[] = [], token: string | null = TOKEN): Promise<{ result?: T; error?: { code: number; message: string } }> {
  const res = await fetch(node.rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as { result?: T; error?: { code: number; message: string } };
}



/** An authority over its own Geth, with a features file and the admin token. */
async function operatedNode(o: { cancun: boolean; seed: string; features: Record<string, unknown> }) {
  const geth = await startGeth({ cancun: o.cancun });
  gethes.push(geth);
  const dir = tempDir('alys-ops-');
  const featuresFile = join(dir, 'features.json');
  const tokenFile = join(dir, 'admin.token');
  writeFileSync(featuresFile, JSON.stringify(o.features));
  writeFileSync(tokenFile, TOKEN);
  const setup = writeNodeConfig(geth, {
    authority: true,
    authorities: [publicKeyOf(o.seed)],
    seedHex: o.seed,
    genesisTimeMs: Math.floor(Date.now() / 1_000) * 1_000,
    bridge: {
      featuresFile,
      rpc: { listen: '127.0.0.1:0', adminTokenFile: tokenFile },
      execution: { engineUrl: geth.engineUrl, rpcUrl: geth.rpcUrl, jwtSecretFile: geth.jwtPath, cancunTime: 0 },
    },
  });
  const node = await startRecovered(setup.configPath);
  nodes.push(node);
  return { geth, node, setup, featuresFile, tokenFile };
}

const rolloutFeatures = { lighthouseV5: { mode: 'rollout', startPercent: 10, rollout: { stageDurationMs: 3_000, gateWindowMs: 1_500 } } };

describe('operating a real node', () => {
  afterAll(async () => {
    for (const n of nodes) await n.stop('SIGKILL');
    for (const g of gethes) await g.stop();
  });

  it('takes a Cancun Geth through every rollout stage to 100 %, and refuses the admin methods without the token', async () => {
    const { geth, node, setup } = await operatedNode({ cancun: true, seed: '41'.repeat(32), features: rolloutFeatures });
    firstConfigPath = setup.configPath;
    const denied = await admin<RolloutStatus>(node, 'rollout_rollback', ['no token'], null);
    expect(denied.error?.message).toMatch(/needs the admin token/);
    const wrong = await admin<RolloutStatus>(node, 'rollout_rollback', ['wrong token'], 'not-the-token-at-all-0000');
    expect(wrong.error?.code).toBe(-32001);
    const m = backgroundMiner(() => node, 1_000);
    try {
      const seen = new Set<number>();
      await waitFor(
        'the rollout at 100 %',
        async () => {
          const s = (await admin<RolloutStatus>(node, 'rollout_status')).result;
          if (s !== undefined) seen.add(s.percent);
          return s?.percent === 100 ? s : undefined;
        },
        120_000,
        300,
      );
      const s = (await admin<RolloutStatus>(node, 'rollout_status')).result as RolloutStatus;
      expect(s.rollbacks).toBe(0);
      expect([...seen].sort((a, b) => a - b)).toEqual(expect.arrayContaining([10, 25, 50, 75, 90, 100]));
      const h = await gethHeight(geth);
      await waitFor('blocks at 100 % V3', async () => ((await gethHeight(geth)) >= h + 3 ? true : undefined), 60_000);
    } finally {
      m.stop();
    }
  }, 600_000);

  it('rolls a Shanghai Geth back to 0 % by itself, keeps producing, and keeps the rollback across a restart', async () => {
    const { geth, node, setup } = await operatedNode({ cancun: false, seed: '42'.repeat(32), features: rolloutFeatures });
    const m = backgroundMiner(() => nodes.at(-1), 1_000);
    try {
      const s = await waitFor('the automatic rollback', async () => {
        const r = (await admin<RolloutStatus>(node, 'rollout_status')).result;
        return r?.rolledBack !== undefined ? r : undefined;
      }, 120_000, 300);
      expect(s.percent).toBe(0);
      expect(s.rolledBack?.reason).toMatch(/V3 error rate/);
      const h = await gethHeight(geth);
      await waitFor('blocks after the rollback', async () => ((await gethHeight(geth)) >= h + 3 ? true : undefined), 60_000);
      const metrics = await (await fetch(`${node.rpc}/metrics`)).text();
      expect(metrics).toMatch(/alys_rollout_percent 0/);
      expect(metrics).toMatch(/alys_rollout_rollbacks [1-9]/);
      await node.stop('SIGKILL');
      const again = await startRecovered(setup.configPath);
      nodes.push(again);
      const after = (await admin<RolloutStatus>(again, 'rollout_status')).result as RolloutStatus;
      expect(after.percent).toBe(0);
      expect(after.rolledBack).toBeDefined();
    } finally {
      m.stop();
    }
  }, 600_000);

  it('backs up a producing node without stopping it, and a restore on a fresh Geth resumes from the backup and syncs the rest', async () => {
    const { geth, node, setup, featuresFile } = await operatedNode({ cancun: false, seed: '43'.repeat(32), features: {} });
    const m = backgroundMiner(() => node, 1_000);
    try {
      await waitFor('20 blocks', async () => ((await gethHeight(geth)) >= 20 ? true : undefined), 120_000);
      const out = join(tempDir('alys-bak-'), 'node.bak');
      const backup = spawnSync(process.execPath, [ALYS, 'backup', '--config', setup.configPath, '--out', out], { encoding: 'utf8' });
      expect(backup.stderr).toBe('');
      expect(backup.status).toBe(0);
      const manifest = (JSON.parse(backup.stdout.trim()) as { manifest: { head: { height: number; hash: string }; files: Array<{ name: string }> } }).manifest;
      expect(manifest.files.map((f) => f.name)).toEqual(['db.records', 'config.json', 'features.json']);
      expect(manifest.head.height).toBeGreaterThanOrEqual(20);
      // The node went on while the backup was taken, and goes on after it.
      await waitFor('blocks after the backup', async () => ((await gethHeight(geth)) >= manifest.head.height + 10 ? true : undefined), 120_000);

      // A corrupted copy is refused, naming the file that fails its checksum.
      const bad = `${out}.bad`;
      const bytes = readFileSync(out);
      bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
      writeFileSync(bad, bytes);
      const refused = spawnSync(process.execPath, [ALYS, 'restore', '--from', bad, '--data-dir', join(tempDir('alys-restore-'), 'data')], { encoding: 'utf8' });
      expect(refused.status).toBe(2);
      expect(refused.stderr.trim()).toMatch(/^alys: .*node\.bak\.bad: \S+ fails its sha256 checksum$/);

      // Restore into a fresh directory and run it on a fresh Geth, as a follower of the original.
      const dataDir = join(tempDir('alys-restore-'), 'data');
      execFileSync(process.execPath, [ALYS, 'restore', '--from', out, '--data-dir', dataDir]);
      const fresh = await startGeth();
      gethes.push(fresh);
      const follower = writeNodeConfig(fresh, {
        authority: false,
        authorities: [setup.authorityPublicKey],
        seedHex: '44'.repeat(32),
        genesisTimeMs: (JSON.parse(readFileSync(setup.configPath, 'utf8')) as { chain: { genesisTimeMs: number } }).chain.genesisTimeMs,
        dataDir,
        bootstrap: node.multiaddrs,
        bridge: { featuresFile },
      });
      const restored = await startRecovered(follower.configPath);
      nodes.push(restored);
      const at = await waitFor('the backup head on the restored node', () => restored.call<{ hash: string } | null>('getblockbyheight', [manifest.head.height]).then((b) => b ?? undefined), 120_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${restored.output().slice(-6_000)}`);
      });
      expect(at.hash).toBe(manifest.head.hash);
      const target = (await node.call<{ height: number }>('getheadblock')).height;
      await waitFor('the restored node past the original head', async () => ((await restored.call<{ height: number }>('getheadblock')).height >= target ? true : undefined), 180_000).catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}; restored status ${JSON.stringify(await restored.call('status').catch(() => null))}\n${restored.output().slice(-4_000)}`);
      });
      await waitFor('its fresh Geth to replay and import', async () => ((await gethHeight(fresh)) >= target ? true : undefined), 180_000);
    } finally {
      m.stop();
    }
  }, 900_000);

  it("serves /metrics that promtool accepts", async () => {
    const node = nodes[0] as NodeProcess;
    const metrics = await (await fetch(`${node.rpc}/metrics`)).text();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    if (r.error !== undefined) throw new Error(`promtool cannot run (npm run harness:build installs it): ${r.error.message}`);
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
    expect(metrics).toMatch(/alys_feature_flag\{flag="improvedSync"\} 1/);
    expect(metrics).toMatch(/alys_config_generation 0/);
  });

  it('applies the RPC limits from a config reloaded on SIGHUP, and names the fields that need a restart', async () => {
    const node = nodes[0] as NodeProcess;
    const cfg = JSON.parse(readFileSync(firstConfigPath, 'utf8')) as { rpc: Record<string, unknown>; chain: { slotDurationMs?: number } };
    cfg.rpc.maxBatch = 2;
    cfg.chain.slotDurationMs = (cfg.chain.slotDurationMs ?? 2_000) + 1_000;
    writeFileSync(firstConfigPath, JSON.stringify(cfg));
    node.child.kill('SIGHUP');
    await waitFor('the reload line', async () => (/config: \S+ reloaded: applied rpc\.maxBatch; chain\.slotDurationMs changed and needs a restart/.test(node.output()) ? true : undefined), 20_000, 200);
    const batch = async (n: number): Promise<unknown> =>
      (await fetch(node.rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'getheadblock', params: [] }))) })).json();
    expect(await batch(3)).toMatchObject({ error: { message: 'batch of 3 calls is over the limit of 2' } });
    expect(await batch(2)).toHaveLength(2);
  });
});
