// `alys backup --config node.json --out FILE`: asks the running node (found through DATADIR/rpc.json,
// authenticated with rpc.adminTokenFile) to write a consistent backup; the node never stops.
// `alys restore --from FILE --data-dir DIR [--force]`: verifies every checksum, then restores.
import { resolve } from 'node:path';
import { loadConfigArg } from './config-arg.ts';
import { UsageError, parseStrict } from './errors.ts';

export async function backupCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values } = parseStrict(argv, { config: { type: 'string' }, out: { type: 'string' } }, 'alys backup --config <node.json> --out <file>');
  if (values.config === undefined || values.out === undefined) throw new UsageError('usage: alys backup --config <node.json> --out <file>');
  const config = await loadConfigArg(values.config);
  if (config.rpc.adminTokenFile === undefined) throw new UsageError(`${values.config}: rpc.adminTokenFile is not set; a backup needs the admin token`);
  const { requestBackup } = await import('../io/prod/backup-files.ts');
  const { BackupError } = await import('../node/backup-format.ts');
  let manifest: unknown;
  try {
    manifest = await requestBackup(config.dataDir, config.rpc.adminTokenFile, resolve(values.out));
  } catch (err) {
    if (err instanceof BackupError) throw new UsageError(err.message);
    throw err;
  }
  print(JSON.stringify({ backup: resolve(values.out), manifest }));
  return 0;
}

export async function restoreCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values } = parseStrict(argv, { from: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' } }, 'alys restore --from <file> --data-dir <dir> [--force]');
  if (values.from === undefined || values['data-dir'] === undefined) throw new UsageError('usage: alys restore --from <file> --data-dir <dir> [--force]');
  const { restoreBackup } = await import('../io/prod/backup-files.ts');
  const { BackupError } = await import('../node/backup-format.ts');
  try {
    const r = await restoreBackup(values.from, values['data-dir'], values.force === true);
    print(JSON.stringify({ restored: r.dataDir, head: r.manifest.head, entries: r.manifest.entries, files: r.restoredFiles }));
    return 0;
  } catch (err) {
    if (err instanceof BackupError) throw new UsageError(err.message);
    throw err;
  }
}
