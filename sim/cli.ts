// `alys sim`: run a scenario for a seed, replay it, check determinism, or swarm over many seeds.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, parseDuration, parsePositiveInt, parseSeed } from '../src/cli/errors.ts';
import { z } from 'zod';
import { allBugs } from './bugs.ts';
import { type Fault, faultSchema } from './chaos/faults.ts';
import { listInvariants } from './invariant-registry.ts';
import { runReporter, simReportCommand } from './report/command.ts';
import { type RunResult, runSimulation } from './runner.ts';
import { ScenarioError } from './scenario.ts';
import { defaultScenario, loadScenario, scenarioNames } from './scenarios/index.ts';
import { shrinkCommand } from './shrink-cli.ts';
import { mergeCommand, swarmCommand } from './swarm-cli.ts';

export const simUsage = `usage: alys sim [--seed N] [--scenario NAME|FILE.json] [--duration 10m] [--trace out.jsonl] [--json]
       alys sim --list | --list-bugs [--json] | --list-invariants [--json]
       alys sim --seed S --scenario X --report out.html      (one self-contained HTML page of the run)
       alys sim report SWARM.json --html out.html
       alys sim --check-determinism [--seed N] [--scenario …]
       alys sim --seeds N [--seed FIRST] [--scenario …]     (swarm: fault rates drawn per seed)
                [--workers K] [--shard i/n] [--out FILE.json] [--junit FILE.xml] [--stop-on-failure]
       alys sim merge REPORT.json... [--out FILE] [--junit FILE]   (join shards' --out reports)
       alys sim --seed S --scenario X [--swarm] [--plant-bug B] --shrink [--out FILE.json] [--shrink-runs N]
       options: --plant-bug NAME (repeatable), --swarm (draw fault rates from the seed for a single run),
                --schedule JSON (replace the scenario's faults by this list, as a shrunk failing case prints it)`;

type Print = (line: string) => void;

export async function simCommand(argv: string[], print: Print): Promise<number> {
  if (argv[0] === 'merge') return mergeCommand(argv.slice(1), print);
  if (argv[0] === 'report') return simReportCommand(argv.slice(1), print);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        scenario: { type: 'string' },
        duration: { type: 'string' },
        trace: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        'list-bugs': { type: 'boolean', default: false },
        'list-invariants': { type: 'boolean', default: false },
        'plant-bug': { type: 'string', multiple: true, default: [] },
        'check-determinism': { type: 'boolean', default: false },
        seeds: { type: 'string' },
        swarm: { type: 'boolean', default: false },
        schedule: { type: 'string' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        out: { type: 'string' },
        junit: { type: 'string' },
        'stop-on-failure': { type: 'boolean', default: false },
        shrink: { type: 'boolean', default: false },
        'shrink-runs': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${simUsage}`);
  }
  const v = parsed.values;
  if (v.help) {
    print(simUsage);
    return 0;
  }
  if (v.list) {
    for (const n of scenarioNames()) print(n);
    return 0;
  }
  if (v['list-invariants']) {
    const list = listInvariants();
    if (v.json) print(JSON.stringify(list));
    else for (const i of list) print(`${i.name}\t${i.app}`);
    return 0;
  }
  const bugs = allBugs();
  if (v['list-bugs']) {
    if (v.json) print(JSON.stringify(bugs.map((b) => ({ name: b.name, app: b.app, scenario: b.scenario, catches: b.catches }))));
    else for (const b of bugs) print(`${b.name}\t${b.layer}\tcaught by ${b.catches.join(', ')} in ${b.scenario}\t${b.description}`);
    return 0;
  }
  for (const b of v['plant-bug']) {
    if (!bugs.some((x) => x.name === b)) throw new UsageError(`unknown planted bug '${b}' (alys sim --list-bugs prints the names)`);
  }
  const seed = v.seed === undefined ? 1 : parseSeed(v.seed);
  const durationMs = v.duration === undefined ? undefined : parseDuration(v.duration);
  const scenarioRef = v.scenario ?? defaultScenario;
  let scenario;
  try {
    scenario = loadScenario(scenarioRef);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
  const schedule = v.schedule === undefined ? undefined : parseSchedule(v.schedule);
  const base = {
    scenario,
    scenarioRef,
    bugs: v['plant-bug'],
    swarm: v.swarm,
    ...(schedule !== undefined ? { schedule } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
  };

  if (v.report !== undefined && (v.seeds !== undefined || v['check-determinism'])) throw new UsageError('--report is for one run (--seed S); a swarm writes --out FILE, which alys sim report renders');
  if (v.seeds !== undefined) {
    if (v.shrink) throw new UsageError('--shrink takes one failing seed (--seed S), not a swarm (--seeds N)');
    return await swarmCommand(
      {
        scenario,
        scenarioRef,
        firstSeed: seed,
        seeds: parsePositiveInt(v.seeds, '--seeds'),
        bugs: v['plant-bug'],
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(v.workers !== undefined ? { workers: v.workers } : {}),
        ...(v.shard !== undefined ? { shard: v.shard } : {}),
        ...(v.out !== undefined ? { out: v.out } : {}),
        ...(v.junit !== undefined ? { junit: v.junit } : {}),
        stopOnFailure: v['stop-on-failure'],
        json: v.json,
        summary,
      },
      print,
    );
  }
  if (v.shrink) {
    return await shrinkCommand(
      {
        scenario,
        scenarioRef,
        seed,
        bugs: v['plant-bug'],
        swarm: v.swarm,
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(schedule !== undefined ? { schedule } : {}),
        ...(v.out !== undefined ? { out: v.out } : {}),
        ...(v['shrink-runs'] !== undefined ? { maxRuns: v['shrink-runs'] } : {}),
        json: v.json,
      },
      print,
    );
  }
  const needs = { workers: '--seeds N (a swarm)', shard: '--seeds N (a swarm)', junit: '--seeds N (a swarm)', 'stop-on-failure': '--seeds N (a swarm)', out: '--seeds N (a swarm) or --shrink', 'shrink-runs': '--shrink' } as const;
  for (const [flag, what] of Object.entries(needs)) {
    const given = v[flag as keyof typeof needs];
    if (given !== undefined && given !== false) throw new UsageError(`--${flag} goes with ${what}`);
  }

  if (v['check-determinism']) {
    const a = await runSimulation({ ...base, seed });
    const b = await runSimulation({ ...base, seed });
    const same = a.traceHash === b.traceHash && a.events === b.events;
    const out = { seed, scenario: scenario.name, hashes: [a.traceHash, b.traceHash], events: [a.events, b.events], deterministic: same, ok: same && a.ok && b.ok, reproduce: a.reproduce };
    if (!v.json) print(same ? `deterministic: both runs hashed ${a.traceHash}` : `NOT deterministic: ${a.traceHash} != ${b.traceHash}`);
    print(JSON.stringify(out));
    return out.ok ? 0 : 1;
  }

  const lines: string[] = [];
  const report = v.report === undefined ? undefined : runReporter(v.report);
  const r = await runSimulation({ ...base, seed, ...(v.trace !== undefined ? { trace: (l: string) => lines.push(l) } : {}), ...(report !== undefined ? { observe: report.observe } : {}) });
  report?.write(r);
  if (v.trace !== undefined) writeFileSync(v.trace, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  if (!v.json) print(summary(r));
  print(JSON.stringify(r));
  return r.ok ? 0 : 1;
}

function parseSchedule(text: string): Fault[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--schedule is not JSON: ${(err as Error).message}`);
  }
  const r = z.array(faultSchema).safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UsageError(`--schedule: invalid field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
  return r.data;
}

function summary(r: RunResult): string {
  const bad = Object.entries(r.invariants).filter(([, x]) => x !== 'pass');
  const head = `${r.ok ? 'ok  ' : 'FAIL'} seed ${r.seed} ${r.scenario}: ${r.events} events, ${r.simulatedMs} ms simulated in ${r.wallMs} ms (${r.speedup}x), trace ${r.traceHash}`;
  const stack = r.violationStack === undefined ? '' : `\n  offending stack:\n${r.violationStack.split('\n').map((l) => `    ${l.trim()}`).join('\n')}`;
  return bad.length === 0 ? head : `${head}\n${bad.map(([k, x]) => `  ${k}: ${x}`).join('\n')}${stack}\n  reproduce: ${r.reproduce}`;
}
