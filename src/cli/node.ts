// `alys node --config <file>`: the production node. It prints one JSON line when ready (its RPC URL,
// peer id and listen addresses, for scripts and the devnet) and stops cleanly on SIGINT/SIGTERM. A
// node that cannot start says why in one line (exit status 2 for what the operator can fix: the
// config, a port in use, a locked data directory, an unreachable execution client) and exits.
import { loadConfigArg } from './config-arg.ts';
import { UsageError, parseStrict } from './errors.ts';

export async function nodeCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values } = parseStrict(argv, { config: { type: 'string' }, record: { type: 'string' } }, 'alys node --config <file> [--record <dir>]');
  if (values.config === undefined) throw new UsageError('usage: alys node --config <file> (environment ALYS_<SECTION>__<FIELD> overrides a field)');
  const { restartWithNodeSettings } = await import('../io/prod/process-settings.ts');
  restartWithNodeSettings();
  const config = await loadConfigArg(values.config);
  const { ConfigError } = await import('../node/config.ts');
  const { StartupError, exitIfStuck, startNode } = await import('../io/prod/node-runtime.ts');
  let running;
  try {
    running = await startNode(config, undefined, { configPath: values.config, ...(values.record !== undefined ? { recordDir: values.record } : {}) });
  } catch (err) {
    // startNode has released whatever it opened; should anything still hold the process, it exits
    // anyway: a node that failed to start must never linger holding a port or its data directory.
    if (err instanceof ConfigError || err instanceof StartupError) {
      exitIfStuck(2);
      throw new UsageError(err.message);
    }
    exitIfStuck(1);
    process.stderr.write(`alys node: start-up failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`);
    return 1;
  }
  print(JSON.stringify({ ready: true, rpc: running.rpcUrl, peerId: running.peerId, multiaddrs: running.multiaddrs }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.stop();
  return 0;
}
