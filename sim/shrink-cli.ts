// `alys sim --seed S --scenario X --shrink`: shrinks the seed's fault schedule and writes the result as
// a scenario file with that schedule fixed, then prints the command that replays it.
import { writeFileSync } from 'node:fs';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import { describeFault } from './chaos/faults.ts';
import { NothingToShrink, type ShrinkOptions, shrinkSchedule } from './shrink.ts';

type Print = (line: string) => void;

export async function shrinkCommand(o: Omit<ShrinkOptions, 'file' | 'maxRuns' | 'log'> & { out?: string; maxRuns?: string; json: boolean }, print: Print): Promise<number> {
  const file = o.out ?? `${o.scenario.name}-seed-${o.seed}-shrunk.json`;
  const { maxRuns: runsText, out: _out, json: _json, ...shrink } = o;
  const maxRuns = runsText === undefined ? undefined : parsePositiveInt(runsText, '--shrink-runs');
  let r;
  try {
    r = await shrinkSchedule({ ...shrink, file, ...(maxRuns !== undefined ? { maxRuns } : {}), log: (l) => process.stderr.write(`${l}\n`) });
  } catch (err) {
    if (err instanceof NothingToShrink) throw new UsageError(err.message);
    throw err;
  }
  writeFileSync(file, `${JSON.stringify(r.scenario, null, 2)}\n`);
  const out = { seed: o.seed, invariant: r.invariant, faults: r.original.length, shrunkFaults: r.shrunk.length, runs: r.runs, file, stillFails: !r.result.ok, reproduce: r.result.reproduce };
  if (!o.json) {
    print(`shrunk seed ${o.seed}: ${r.original.length} faults to ${r.shrunk.length} in ${r.runs} runs, still failing ${r.invariant}: ${r.result.invariants[r.invariant] ?? ''}`);
    for (const f of r.shrunk) print(`  at ${f.at} ms: ${describeFault(f)}`);
    print(`wrote ${file}\n  reproduce: ${r.result.reproduce}`);
  }
  print(JSON.stringify(out));
  return 0;
}
