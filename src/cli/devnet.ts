// `alys devnet`: a local network of nodes. With real Geth, btcd and the governance server installed
// (the production-node issue) it runs on them; until then, and whenever they are missing, it runs the
// same nodes on the simulated world in real time and says so.
import { parseArgs } from 'node:util';
import type { ChainView } from '../chain/chain-view.ts';
import { UsageError, parseDuration, parsePositiveInt } from './errors.ts';

export async function devnet(argv: string[], print: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        nodes: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        simulated: { type: 'boolean', default: false },
        'no-users': { type: 'boolean', default: false },
        nemesis: { type: 'boolean', default: false },
        record: { type: 'string' },
        'keep-records': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nusage: alys devnet [--nodes 3] [--duration 5m] [--simulated] [--no-users] [--record DIR] | --nemesis [--seed S] [--duration 10m] [--keep-records] [--json]`);
  }
  const nodes = values.nodes === undefined ? 3 : parsePositiveInt(values.nodes, '--nodes');
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (values.nemesis === true) {
    const { nemesisCommand } = await import('../../harness/nemesis/cli.ts');
    if (values.record !== undefined) throw new UsageError('--record is for a devnet without --nemesis (the nemesis records every node itself; --keep-records keeps them)');
    return nemesisCommand({ nodes, seed: values.seed, duration: values.duration, json: values.json === true, simulated: values.simulated === true, keepRecords: values['keep-records'] === true }, print);
  }
  if (values['keep-records'] === true) {
    throw new UsageError('--keep-records is for --nemesis (a devnet with --record keeps its recordings anyway)');
  }
  let stop: () => void = () => undefined;
  const stopSignal = new Promise<void>((r) => {
    stop = r;
  });
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  const { binariesReady } = await import('../../harness/build.ts');
  if (binariesReady() && values.simulated !== true) {
    print(`alys devnet: running ${nodes} Alys authorities on real components: one Geth each, btcd (regtest), the governance server, over libp2p. Ctrl-C stops it.`);
    const { runRealDevnet } = await import('../../harness/devnet.ts');
    return runRealDevnet({ nodes, durationMs, print, stopSignal, users: values['no-users'] !== true, ...(values.record !== undefined ? { recordDir: values.record } : {}) });
  }
  if (values.record !== undefined) throw new UsageError('--record records real nodes: it needs Geth and btcd built (npm run harness:build); a simulated run is reproduced from its seed');
  const { runRealtime } = await import('../../sim/realtime.ts');
  const { parseScenario } = await import('../../sim/scenario.ts');
  print(
    'alys devnet: Geth and btcd are not built here (npm run harness:build builds them from harness/go/go.mod, about 5 minutes once);\n' +
      `running ${nodes} Alys authorities on the simulated world in real time (simulated execution client, AuxPow miner, Bitcoin and governance, with users depositing and burning). Ctrl-C stops it.`,
  );
  // --no-users: Bitcoin blocks still come, but nobody deposits or burns.
  const scenario = parseScenario({ name: 'devnet', app: 'bridge', nodes, durationMs: durationMs ?? 3_600_000, network: { latencyMs: 20, jitterMs: 10 }, ...(values['no-users'] === true ? { bridge: { workloadUntilMs: 0 } } : {}) });
  const final = await runRealtime({
    scenario,
    seed: Number(values.seed ?? 1),
    durationMs,
    statusEveryMs: 1_000,
    stopSignal,
    onStatus: (s) => {
      if (values.json) {
        print(JSON.stringify(s));
        return;
      }
      const cells = s.nodes.map((n) => {
        const v = n.view as (ChainView & { bridge?: { operations: ReadonlyArray<{ status: string }> } }) | undefined;
        if (!n.up || v === undefined) return `${n.id} down`;
        const fin = v.finalized.length - 1;
        const pct = v.sync.targetHeight === 0 ? 100 : Math.floor((v.sync.currentHeight / v.sync.targetHeight) * 1000) / 10;
        const ops = v.bridge?.operations ?? [];
        const minted = [...v.mintedIn.values()].reduce((t, k) => t + k.length, 0);
        return `${n.id} h${v.headHeight} f${fin} peers ${v.sync.peerCount} sync ${pct}% ${v.sync.state} peg-in ${minted} peg-out ${ops.filter((o) => o.status === 'completed').length}/${ops.length}`;
      });
      print(`[${(s.atMs / 1000).toFixed(0)}s] ${cells.join(' | ')}`);
    },
  });
  const failed = Object.entries(final.failures);
  for (const [k, r] of failed) print(`invariant ${k} failed: ${r}`);
  return failed.length === 0 ? 0 : 1;
}
