// The node config a command names with --config: loaded and validated, and a bad one is the user's
// mistake (one line, exit status 2), never a stack trace.
import type { NodeConfig } from '../node/config.ts';
import { UsageError } from './errors.ts';

export async function loadConfigArg(path: string): Promise<NodeConfig> {
  const { ConfigError } = await import('../node/config.ts');
  const { loadNodeConfig } = await import('../io/prod/node-config-file.ts');
  try {
    return loadNodeConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
