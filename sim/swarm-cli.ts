// The swarm side of `alys sim`: `--seeds N` on worker threads (with --workers, --shard, --out,
// --junit, --stop-on-failure) and `alys sim merge FILE...`, which joins the shards' reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import { junitXml } from './junit.ts';
import type { RunResult } from './runner.ts';
import type { Scenario } from './scenario.ts';
import { ReportError, type SwarmReport, mergeReports, parseReport, seedRanges } from './swarm-report.ts';
import { defaultWorkers, runSwarmOnWorkers } from './swarm-pool.ts';
import { shardSlice } from './swarm.ts';

type Print = (line: string) => void;

/** `i/n` with 1 <= i <= n. */
export function parseShard(text: string): { index: number; of: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (m === null || !(of >= 1) || !(index >= 1) || index > of) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 3/10), got '${text}'`);
  }
  return { index, of };
}

export interface SwarmCliOptions {
  readonly scenario: Scenario;
  readonly scenarioRef: string;
  readonly firstSeed: number;
  readonly seeds: number;
  readonly bugs: readonly string[];
  readonly durationMs?: number;
  readonly workers?: string;
  readonly shard?: string;
  readonly out?: string;
  readonly junit?: string;
  readonly stopOnFailure: boolean;
  readonly json: boolean;
  readonly summary: (r: RunResult) => string;
}

export async function swarmCommand(o: SwarmCliOptions, print: Print): Promise<number> {
  const workers = o.workers === undefined ? defaultWorkers() : parsePositiveInt(o.workers, '--workers');
  const range = { first: o.firstSeed, count: o.seeds };
  const shard = o.shard === undefined ? undefined : parseShard(o.shard);
  const slice = shard === undefined ? { firstSeed: range.first, seeds: range.count } : shardSlice(range, shard);
  const report = await runSwarmOnWorkers(
    {
      scenario: o.scenario,
      scenarioRef: o.scenarioRef,
      bugs: o.bugs,
      ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
      ...slice,
      range,
      ...(shard !== undefined ? { shard } : {}),
      stopOnFailure: o.stopOnFailure,
      workers,
      progress: true,
    },
    (r) => {
      if (!o.json) print(o.summary(r));
    },
  );
  return finish(report, { ...o, print });
}

function finish(report: SwarmReport, o: { out?: string; junit?: string; json: boolean; print: Print }): number {
  if (o.out !== undefined) writeFileSync(o.out, `${JSON.stringify(report)}\n`);
  if (o.junit !== undefined) writeFileSync(o.junit, junitXml(report));
  if (!o.json) {
    for (const f of report.failures) o.print(`FAILED seed ${f.seed}: ${Object.keys(f.failed).join(', ')}\n  reproduce: ${f.reproduce}`);
    if (report.gaps.length > 0) o.print(`coverage gaps (probes that never fired): ${report.gaps.join(', ')}`);
    if (report.missing.length > 0) o.print(`not run: seeds ${seedRanges(report.missing)}`);
    o.print(`${report.results.length - report.failures.length}/${report.seeds} seeds passed`);
  }
  // The per-seed list goes to --out; stdout keeps the totals.
  const { results: _results, ...totals } = report;
  o.print(JSON.stringify(totals));
  return report.ok ? 0 : 1;
}

const mergeUsage = 'usage: alys sim merge REPORT.json... [--out FILE] [--junit FILE] [--json]';

export function mergeCommand(argv: string[], print: Print): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { out: { type: 'string' }, junit: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${mergeUsage}`);
  }
  if (parsed.values.help) {
    print(mergeUsage);
    return 0;
  }
  if (parsed.positionals.length === 0) throw new UsageError(`merge: name the shard reports to merge\n${mergeUsage}`);
  let report: SwarmReport;
  try {
    const reports = parsed.positionals.map((file) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new ReportError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      return { file, report: parseReport(text, file) };
    });
    report = mergeReports(reports);
  } catch (err) {
    if (err instanceof ReportError) throw new UsageError(`merge: ${err.message}`);
    throw err;
  }
  return finish(report, {
    ...(parsed.values.out !== undefined ? { out: parsed.values.out } : {}),
    ...(parsed.values.junit !== undefined ? { junit: parsed.values.junit } : {}),
    json: parsed.values.json,
    print,
  });
}
