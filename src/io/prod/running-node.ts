// Finds a running `alys node` from its config file: the node writes its RPC URL to DATADIR/rpc.json
// when it starts serving, since its RPC port may be chosen at run time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../node/config.ts';
import { NodeRpcError } from './node-rpc-client.ts';
import { loadNodeConfig } from './node-config-file.ts';

/** The RPC URL of the node that runs with this data directory. */
export function runningNodeUrlIn(dataDir: string): string {
  const file = join(dataDir, 'rpc.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new NodeRpcError(`no running node found: ${file} is missing (is the node started?)`);
  }
  try {
    const url = (JSON.parse(text) as { url?: unknown }).url;
    if (typeof url === 'string') return url;
  } catch {
    // Reported below.
  }
  throw new NodeRpcError(`${file}: not the node's rpc.json (no url in it)`);
}

/** The RPC URL of the node started from `configPath`. */
export async function runningNodeUrl(configPath: string | undefined): Promise<string> {
  if (configPath === undefined) throw new NodeRpcError('which node? give --rpc <url> or --config <node.json>');
  try {
    return runningNodeUrlIn(loadNodeConfig(configPath).dataDir);
  } catch (err) {
    if (err instanceof ConfigError) throw new NodeRpcError(err.message);
    throw err;
  }
}
