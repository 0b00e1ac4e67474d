import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { restoreBackup, writeBackup } from '../../src/io/prod/backup-files.ts';
import { watchFeatures } from '../../src/io/prod/features-watcher.ts';
import { LevelStorage } from '../../src/io/prod/level-storage.ts';
import { callAdminMethod, tokenMatches } from '../../src/node/admin-methods.ts';
import { BackupError, decodeBackup, encodeBackup, encodeRecords } from '../../src/node/backup-format.ts';
import { FeatureStore } from '../../src/node/feature-store.ts';
import type { ActorSystem } from '../../src/kernel/actor-system.ts';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'alys-ops-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('backup format', () => {
  const files = [
    { name: 'db.records', bytes: encodeRecords([['a', new Uint8Array([1, 2])], ['b/c', new Uint8Array(0)]]) },
    { name: 'config.json', bytes: new TextEncoder().encode('{"dataDir":"x"}') },
  ];
  const { bytes } = encodeBackup(files, { height: 3, hash: 'ab' }, 2);

  it('round-trips and refuses a flipped byte, naming the file that fails its checksum', () => {
    expect(decodeBackup(bytes, 'b').manifest.head).toEqual({ height: 3, hash: 'ab' });
    const bad = bytes.slice();
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x40;
    expect(() => decodeBackup(bad, 'b.bak')).toThrow('b.bak: config.json fails its sha256 checksum');
  });

  it('refuses a truncated file with the offset, and a file that is not a backup', () => {
    expect(() => decodeBackup(bytes.slice(0, bytes.length - 5), 'b.bak')).toThrow(/b\.bak: truncated at offset \d+ \(config\.json/);
    expect(() => decodeBackup(new TextEncoder().encode('hello world, not a backup'), 'x')).toThrow(BackupError);
  });
});

describe('backup and restore on LevelDB', () => {
  it('restores every entry into an empty directory, and refuses a non-empty one unless forced', async () => {
    const src = await tempDir();
    const storage = await LevelStorage.open(join(src, 'db'));
    await storage.write(
      Array.from({ length: 2_500 }, (_, i) => ({ type: 'put' as const, key: `block/${String(i).padStart(6, '0')}`, value: new Uint8Array([i & 255, i >> 8]) })),
      { sync: true },
    );
    const cfg = join(src, 'node.json');
    await writeFile(cfg, '{"dataDir":"somewhere"}');
    const out = join(src, 'node.bak');
    const manifest = await writeBackup(storage, out, { configPath: cfg }, { height: 2_499, hash: 'ff' });
    await storage.close();
    expect(manifest.entries).toBe(2_500);

    const target = join(await tempDir(), 'restored');
    const r = await restoreBackup(out, target, false);
    expect(r.restoredFiles).toEqual(['db', 'restored-config.json']);
    const restored = await LevelStorage.open(join(target, 'db'));
    const entries = await restored.scan('block/');
    await restored.close();
    expect(entries.length).toBe(2_500);
    expect([...(entries[300]?.[1] ?? [])]).toEqual([300 & 255, 300 >> 8]);
    expect(await readFile(join(target, 'restored-config.json'), 'utf8')).toBe('{"dataDir":"somewhere"}');
    await expect(restoreBackup(out, target, false)).rejects.toThrow(/is not empty/);
    await expect(restoreBackup(out, target, true)).resolves.toMatchObject({ manifest: { entries: 2_500 } });
  });
});

describe('features file on a running node', () => {
  it('reloads on change, keeps the old settings on an invalid file, and the last good ones when removed', async () => {
    const dir = await tempDir();
    const file = join(dir, 'features.json');
    await writeFile(file, '{}');
    const store = new FeatureStore();
    const errors: string[] = [];
    const w = watchFeatures(file, store, { info: () => undefined, error: (l) => errors.push(l) }, 20);
    try {
      await new Promise((r) => setTimeout(r, 60));
      await writeFile(file, '{"improvedSync":false,"peg":{"paused":true}}');
      await until(() => store.generation() === 1);
      expect(store.current().improvedSync).toBe(false);
      // A poll may also catch the file half written (one more refused reload): the point is which.
      await writeFile(file, '{"improvedSync":true,"pegg":{}}');
      await until(() => errors.some((e) => /invalid field/.test(e)));
      expect(errors.find((e) => /invalid field/.test(e))).toMatch(/reload refused, keeping generation 1: .*invalid field/);
      expect(store.current().improvedSync).toBe(false);
      await unlink(file);
      await until(() => errors.some((e) => /was removed/.test(e)));
      expect(errors.find((e) => /was removed/.test(e))).toMatch(/was removed; keeping the last good settings \(generation 1\)/);
      expect(store.current().peg.paused).toBe(true);
      // SIGHUP's path: reload on demand.
      // The 20 ms poll may see the new file first; either way the reload leaves it applied, once.
      await writeFile(file, '{"logLevel":"debug"}');
      const changed = w.reload() ?? [];
      expect(store.current().logLevel).toBe('debug');
      expect(store.generation()).toBe(2);
      expect(changed.length === 0 || changed.includes('logLevel'), changed.join(', ')).toBe(true);
    } finally {
      w.stop();
    }
  });

  it('alys features validate: 0 for a valid file, 2 with one line naming the field otherwise', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, '{"lighthouseV5":{"mode":"rollout"}}');
    await writeFile(bad, '{"lighthouseV5":{"rollout":{"gateWindowMs":"soon"}}}');
    const printed: string[] = [];
    expect(await main(['features', 'validate', good], (l) => printed.push(l))).toBe(0);
    expect(JSON.parse(printed[0] ?? '{}')).toMatchObject({ lighthouseV5: { mode: 'rollout' } });
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => stderr.push(s) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['features', 'validate', bad], () => undefined)).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toMatch(/^alys: .*bad\.json: invalid field lighthouseV5\.rollout\.gateWindowMs: .*\n$/);
  });
});

describe('admin methods', () => {
  const system = {} as ActorSystem;
  it('refuse a request without the right token before doing anything', async () => {
    const backup = (): Promise<unknown> => Promise.reject(new Error('must not run'));
    await expect(callAdminMethod({ system, token: 'secret-token-0123456789', backup }, 'admin_backup', ['/tmp/x'], 'wrong')).rejects.toThrow(/needs the admin token/);
    await expect(callAdminMethod({ system, token: 'secret-token-0123456789', backup }, 'rollout_advance', [], undefined)).rejects.toThrow(/needs the admin token/);
    await expect(callAdminMethod({ system, token: undefined, backup }, 'rollout_status', [], 'anything')).rejects.toThrow(/no rpc.adminTokenFile/);
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
  });
});

describe('node config on SIGHUP', () => {
  it('applies the peer list and RPC limits live, and names the fields that need a restart', async () => {
    const { planConfigReload, reloadLine } = await import('../../src/node/config-diff.ts');
    const { parseNodeConfig } = await import('../../src/node/config.ts');
    const base = {
      dataDir: '/d',
      chain: { genesisTimeMs: 0, authorities: ['aa'.repeat(48)] },
      execution: { engineUrl: 'http://127.0.0.1:1', rpcUrl: 'http://127.0.0.1:2', jwtSecretFile: '/j' },
    };
    const a = parseNodeConfig(base);
    const b = parseNodeConfig({ ...base, network: { bootstrap: ['/ip4/127.0.0.1/tcp/9'] }, rpc: { maxBatch: 7 }, chain: { ...base.chain, slotDurationMs: 3_000 } });
    const same = planConfigReload(a, a);
    expect([same.live, same.restart, reloadLine('node.json', same)]).toEqual([[], [], undefined]);
    const plan = planConfigReload(a, b);
    expect(plan.live).toEqual(['network.bootstrap', 'rpc.maxBatch']);
    expect(plan.restart).toEqual(['chain.slotDurationMs']);
    expect(reloadLine('node.json', plan)).toBe('config: node.json reloaded: applied network.bootstrap, rpc.maxBatch; chain.slotDurationMs changed and needs a restart');
    // The applied config takes the live fields only; a second reload of the same file applies nothing
    // new and still names the restart field.
    expect(plan.applied.rpc.maxBatch).toBe(7);
    expect(plan.applied.chain.slotDurationMs).toBe(a.chain.slotDurationMs);
    const again = planConfigReload(plan.applied, b);
    expect([again.live, again.restart]).toEqual([[], ['chain.slotDurationMs']]);
  });
});
