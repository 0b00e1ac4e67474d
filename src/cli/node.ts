// `alys node --config <file>`: the production node. It prints one JSON line when ready (its RPC URL,
// peer id and listen addresses, for scripts and the devnet) and stops cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export async function nodeCommand(argv: string[], print: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { config: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nusage: alys node --config <file>`);
  }
  if (values.config === undefined) throw new UsageError('usage: alys node --config <file> (environment ALYS_<SECTION>__<FIELD> overrides a field)');
  const { ConfigError } = await import('../node/config.ts');
  const { loadNodeConfig, startNode } = await import('../io/prod/node-runtime.ts');
  let running;
  try {
    running = await startNode(loadNodeConfig(values.config), undefined, { configPath: values.config });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  print(JSON.stringify({ ready: true, rpc: running.rpcUrl, peerId: running.peerId, multiaddrs: running.multiaddrs }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.stop();
  return 0;
}
