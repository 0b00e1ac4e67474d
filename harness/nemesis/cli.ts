// The `--nemesis` part of `alys devnet`: checks the flags, runs the nemesis (harness/nemesis/run.ts)
// and prints its report: the JSON line of `alys sim --json` with --json, else a summary.
import { UsageError, parseDuration } from '../../src/cli/errors.ts';

export async function nemesisCommand(o: { nodes: number; seed: string | undefined; duration: string | undefined; json: boolean; simulated: boolean; keepRecords?: boolean }, print: (line: string) => void): Promise<number> {
  if (o.simulated) throw new UsageError('--nemesis runs on real components (Toxiproxy, Geth, btcd, governance); it cannot be --simulated');
  if (o.nodes < 2) throw new UsageError('--nemesis needs --nodes 2 or more (it partitions them)');
  const seed = o.seed ?? '1';
  if (!/^[\w-]{1,64}$/.test(seed)) throw new UsageError(`--seed ${seed}: expected letters, digits, - or _`);
  const durationText = o.duration ?? '10m';
  const durationMs = parseDuration(durationText);
  const reproduce = `alys devnet --nodes ${o.nodes} --nemesis --seed ${seed} --duration ${durationText} --json`;
  const { HarnessError, binariesReady, ensureBinaries } = await import('../build.ts');
  if (!binariesReady()) {
    try {
      ensureBinaries((l) => process.stderr.write(`${l}\n`));
    } catch (err) {
      if (err instanceof HarnessError) throw new UsageError(`--nemesis: ${err.message}`);
      throw err;
    }
  }
  let stop: () => void = () => undefined;
  const stopSignal = new Promise<void>((r) => {
    stop = r;
  });
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  const log = (line: string): void => {
    if (o.json) process.stderr.write(`${line}\n`);
    else print(line);
  };
  const { runNemesis } = await import('./run.ts');
  const report = await runNemesis({ nodes: o.nodes, seed, durationMs, log, stopSignal, reproduce, keepRecords: o.keepRecords === true });
  if (o.json) print(JSON.stringify(report));
  else {
    for (const [k, v] of Object.entries(report.invariants)) print(`invariant ${k}: ${v}`);
    print(`faults injected: ${Object.entries(report.faults).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const e of [...report.notInjected.map((x) => `not injected: ${x}`), ...report.errors.map((x) => `error: ${x}`)]) print(e);
    for (const r of report.replays) print(`replay: ${r}`);
    print(`nemesis ${report.ok ? 'ok' : 'FAILED'}; directory ${report.dir}; scenario ${report.scenarioFile}; reproduce: ${report.reproduce}`);
  }
  return report.ok ? 0 : 1;
}
