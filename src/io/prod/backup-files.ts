// Backup and restore on a real disk. The backup is taken inside the running node (admin_backup):
// LevelDB's iterator reads one implicit snapshot, so the copy is consistent while the node goes on
// writing, and the node never stops. The file is written beside its final name and renamed, so a
// crash mid-backup leaves no file that looks complete.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackupManifest, BackupError, decodeBackup, decodeRecords, encodeBackup, encodeRecords } from '../../node/backup-format.ts';
import type { BatchOp } from '../storage.ts';
import { LevelStorage } from './level-storage.ts';
import { NodeRpcError, callNodeRpc } from './node-rpc-client.ts';
import { runningNodeUrlIn } from './running-node.ts';

export interface BackupSources {
  readonly configPath?: string;
  readonly featuresPath?: string;
}

export async function writeBackup(storage: LevelStorage, out: string, sources: BackupSources, head: BackupManifest['head']): Promise<BackupManifest> {
  const entries = await storage.scan('');
  const files = [{ name: 'db.records', bytes: encodeRecords(entries) }];
  if (sources.configPath !== undefined) files.push({ name: 'config.json', bytes: readFileSync(sources.configPath) });
  if (sources.featuresPath !== undefined && existsSync(sources.featuresPath)) files.push({ name: 'features.json', bytes: readFileSync(sources.featuresPath) });
  const { bytes, manifest } = encodeBackup(files, head, entries.length);
  writeFileSync(`${out}.partial`, bytes);
  renameSync(`${out}.partial`, out);
  return manifest;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly dataDir: string;
  readonly restoredFiles: readonly string[];
}

/**
 * Verifies every checksum before touching the target, refuses a non-empty data directory unless
 * forced, then writes the LevelDB entries (in batches, synced) into DATADIR/db and the config and
 * features files beside it as restored-config.json and restored-features.json.
 */
export async function restoreBackup(from: string, dataDir: string, force: boolean): Promise<RestoreResult> {
  let raw: Uint8Array;
  try {
    raw = readFileSync(from);
  } catch (err) {
    throw new BackupError(`${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { manifest, files } = decodeBackup(raw, from);
  const records = files.get('db.records');
  if (records === undefined) throw new BackupError(`${from}: the manifest lists no db.records`);
  const entries = decodeRecords(records);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    if (!force) throw new BackupError(`${dataDir} is not empty (restore into an empty directory, or pass --force to replace it)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  const storage = await LevelStorage.open(join(dataDir, 'db'));
  try {
    for (let i = 0; i < entries.length; i += 1_000) {
      const ops: BatchOp[] = entries.slice(i, i + 1_000).map(([key, value]) => ({ type: 'put', key, value }));
      await storage.write(ops, { sync: true });
    }
  } finally {
    await storage.close();
  }
  const restoredFiles: string[] = ['db'];
  for (const [name, target] of [
    ['config.json', 'restored-config.json'],
    ['features.json', 'restored-features.json'],
  ] as const) {
    const body = files.get(name);
    if (body === undefined) continue;
    writeFileSync(join(dataDir, target), body);
    restoredFiles.push(target);
  }
  return { manifest, dataDir, restoredFiles };
}

/** What `alys backup` does: finds the running node through DATADIR/rpc.json and asks it for a backup. */
export async function requestBackup(dataDir: string, tokenFile: string, out: string): Promise<unknown> {
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (err) {
    throw new BackupError(`rpc.adminTokenFile ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return await callNodeRpc(runningNodeUrlIn(dataDir), 'admin_backup', [out], { bearer: token, timeoutMs: 600_000 });
  } catch (err) {
    if (err instanceof NodeRpcError) throw new BackupError(err.message);
    throw err;
  }
}
