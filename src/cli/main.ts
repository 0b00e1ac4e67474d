// The `alys` command line. Each subcommand lives in its own module, loaded only when used; the
// benchmarks live in bench/ because they read the wall clock, which nothing under src/ may do.
import { UsageError } from './errors.ts';

const usage = `usage: alys <command> [options]
commands:
  sim        run the deterministic simulation (alys sim --help)
  node       the production node (alys node --config <file> [--record <dir>])
  devnet     a local network of nodes (alys devnet [--nodes 3] [--duration 5m])
  governance the governance server (alys governance --listen 127.0.0.1:0 --token T --state F --keys F)
  features   alys features validate <file>: check a feature flags file
  replay     alys replay <dir> [--json]: run a node recorded with alys node --record <dir> again
  status     alys status [--rpc <url> | --config <node.json>] [--json]: a running node's status
  backup     alys backup --config <node.json> --out <file>: back up a running node
  restore    alys restore --from <file> --data-dir <dir> [--force]
  bench      benchmarks: alys bench kernel | sync | governance | sim | swarm [--json] …
  help       this text`;

export async function main(argv: string[], print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'sim': {
        const { simCommand } = await import('../../sim/cli.ts');
        return await simCommand(rest, print);
      }
      case 'governance': {
        const { governanceCommand } = await import('../governance/server/main.ts');
        return await governanceCommand(rest, print);
      }
      case 'node': {
        const { nodeCommand } = await import('./node.ts');
        return await nodeCommand(rest, print);
      }
      case 'devnet': {
        const { devnet } = await import('./devnet.ts');
        return await devnet(rest, print);
      }
      case 'features': {
        const { featuresCommand } = await import('./features.ts');
        return await featuresCommand(rest, print);
      }
      case 'replay': {
        const { replayCommand } = await import('./replay.ts');
        return await replayCommand(rest, print);
      }
      case 'status': {
        const { statusCommand } = await import('./status.ts');
        return await statusCommand(rest, print);
      }
      case 'backup': {
        const { backupCommand } = await import('./backup.ts');
        return await backupCommand(rest, print);
      }
      case 'restore': {
        const { restoreCommand } = await import('./backup.ts');
        return await restoreCommand(rest, print);
      }
      case 'bench': {
        const [what, ...args] = rest;
        if (what === 'kernel') {
          const { benchKernel } = await import('../../bench/kernel-bench.ts');
          return await benchKernel(args);
        }
        if (what === 'sync') {
          const { benchSync } = await import('../../bench/sync-bench.ts');
          return await benchSync(args);
        }
        if (what === 'governance') {
          const { benchGovernance } = await import('../../bench/governance-bench.ts');
          return await benchGovernance(args);
        }
        if (what === 'sim') {
          const { benchSim } = await import('../../bench/sim-bench.ts');
          return await benchSim(args);
        }
        if (what === 'swarm') {
          const { benchSwarm } = await import('../../bench/swarm-bench.ts');
          return await benchSwarm(args);
        }
        throw new UsageError(`unknown benchmark '${what ?? ''}': alys bench kernel | sync | governance | sim | swarm`);
      }
      case undefined:
      case 'help':
      case '--help':
        print(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'\n${usage}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`alys: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
