// The swarm report: every seed's trace hash and verdict, plus what is computed over all of them
// (failures, probe totals, coverage gaps). One machine's report, a shard's and the merge of shards'
// are the same shape and are summarised by the same function, so a merged report equals the one a
// single machine would have written for the whole range.
import { z } from 'zod';
import type { RunResult } from './runner.ts';

export const reportFormat = 'alys-swarm-report/1';

export interface SeedResult {
  readonly seed: number;
  readonly traceHash: string;
  readonly verdict: 'pass' | 'fail';
  /** Invariants that did not pass, with the reason (a mayFail invariant may be here on a passing seed). */
  readonly failed: Record<string, string>;
  readonly reproduce: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly faults: number;
  readonly probes: Record<string, number>;
}

/** What a swarm ran: the same for every shard of one range, checked when shards are merged. */
export interface SwarmRun {
  readonly scenario: string;
  readonly scenarioRef: string;
  readonly bugs: readonly string[];
  readonly swarm: boolean;
  readonly durationMs?: number;
  /** The whole seed range that the shards split. */
  readonly range: { readonly first: number; readonly count: number };
}

export interface SwarmReport extends SwarmRun {
  readonly format: typeof reportFormat;
  /** Which slice of the range this report covers (absent: the whole range, or a merge). */
  readonly shard?: { readonly index: number; readonly of: number };
  /** Seeds this report was asked to run (its slice of the range). */
  readonly seeds: number;
  readonly firstSeed: number;
  readonly failures: ReadonlyArray<{ seed: number; reproduce: string; failed: Record<string, string> }>;
  readonly probes: Record<string, number>;
  /** How many seeds each probe fired in (a fault kind drawn in too few seeds is barely tested). */
  readonly probeSeeds: Record<string, number>;
  /** Probes that never fired over the whole swarm: paths the swarm did not explore. */
  readonly gaps: readonly string[];
  /** Seeds of the slice that did not run (a stop at the first failure, a shard missing from a merge). */
  readonly missing: readonly number[];
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly ok: boolean;
  /** Every seed that ran, in seed order. */
  readonly results: readonly SeedResult[];
}

export function seedResult(r: RunResult): SeedResult {
  const failed: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.invariants)) if (v !== 'pass') failed[k] = v;
  return {
    seed: r.seed,
    traceHash: r.traceHash,
    verdict: r.ok ? 'pass' : 'fail',
    failed,
    reproduce: r.reproduce,
    events: r.events,
    simulatedMs: r.simulatedMs,
    wallMs: r.wallMs,
    faults: r.faults,
    probes: r.probes,
  };
}

/**
 * The report of the seeds [firstSeed, firstSeed + seeds) of `run`, from the results that ran (any
 * order). `wallMs` is the real time the whole took (several workers overlap), not a sum.
 */
export function summarize(
  run: SwarmRun,
  slice: { firstSeed: number; seeds: number; shard?: { index: number; of: number } },
  results: readonly SeedResult[],
  wallMs: number,
): SwarmReport {
  const sorted = [...results].sort((a, b) => a.seed - b.seed);
  const probes: Record<string, number> = {};
  const probeSeeds: Record<string, number> = {};
  let simulatedMs = 0;
  for (const r of sorted) {
    simulatedMs += r.simulatedMs;
    for (const [k, v] of Object.entries(r.probes)) {
      probes[k] = (probes[k] ?? 0) + v;
      probeSeeds[k] = (probeSeeds[k] ?? 0) + (v > 0 ? 1 : 0);
    }
  }
  const failures = sorted.filter((r) => r.verdict === 'fail').map((r) => ({ seed: r.seed, reproduce: r.reproduce, failed: r.failed }));
  const ran = new Set(sorted.map((r) => r.seed));
  const missing: number[] = [];
  for (let s = slice.firstSeed; s < slice.firstSeed + slice.seeds; s++) if (!ran.has(s)) missing.push(s);
  const gaps = Object.entries(probes)
    .filter(([, v]) => v === 0)
    .map(([k]) => k)
    .sort();
  return {
    format: reportFormat,
    scenario: run.scenario,
    scenarioRef: run.scenarioRef,
    bugs: run.bugs,
    swarm: run.swarm,
    ...(run.durationMs !== undefined ? { durationMs: run.durationMs } : {}),
    range: run.range,
    ...(slice.shard !== undefined ? { shard: slice.shard } : {}),
    seeds: slice.seeds,
    firstSeed: slice.firstSeed,
    failures,
    probes,
    probeSeeds,
    gaps,
    missing,
    simulatedMs,
    wallMs: Math.round(wallMs),
    ok: failures.length === 0 && missing.length === 0,
    results: sorted,
  };
}

/** Seeds as short ranges for messages: 1-4,9. */
export function seedRanges(seeds: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && (seeds[j + 1] as number) === (seeds[j] as number) + 1) j++;
    out.push(i === j ? `${seeds[i]}` : `${seeds[i]}-${seeds[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

const counts = z.record(z.string(), z.number().int().nonnegative());
const seedResultSchema = z.object({
  seed: z.number().int().nonnegative(),
  traceHash: z.string(),
  verdict: z.enum(['pass', 'fail']),
  failed: z.record(z.string(), z.string()),
  reproduce: z.string(),
  events: z.number().int().nonnegative(),
  simulatedMs: z.number().nonnegative(),
  wallMs: z.number().nonnegative(),
  faults: z.number().int().nonnegative(),
  probes: counts,
});
// Only what a merge needs is read back: the totals are recomputed from the seeds.
const reportSchema = z.object({
  format: z.literal(reportFormat),
  scenario: z.string(),
  scenarioRef: z.string(),
  bugs: z.array(z.string()),
  swarm: z.boolean(),
  durationMs: z.number().int().positive().optional(),
  range: z.object({ first: z.number().int().nonnegative(), count: z.number().int().positive() }),
  shard: z.object({ index: z.number().int().positive(), of: z.number().int().positive() }).optional(),
  seeds: z.number().int().nonnegative(),
  firstSeed: z.number().int().nonnegative(),
  wallMs: z.number().nonnegative(),
  results: z.array(seedResultSchema),
});

export type ReadReport = z.infer<typeof reportSchema>;

/** Parses a report file's text; the error names the file and the first problem. */
export function parseReport(text: string, file: string): ReadReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ReportError(`${file}: not JSON: ${(err as Error).message}`);
  }
  const r = reportSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    throw new ReportError(`${file}: not a swarm report (alys sim --out): invalid field ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/**
 * Merges shard reports of one run into the report of the whole range. Reports of different runs, or
 * two reports of one seed, are an error naming the file; seeds no report ran are listed as missing
 * (and make the merge fail), so a lost shard cannot pass unnoticed.
 */
export function mergeReports(reports: ReadonlyArray<{ file: string; report: ReadReport }>): SwarmReport {
  const first = reports[0];
  if (first === undefined) throw new ReportError('merge: no report files given');
  const key = (r: ReadReport): string =>
    JSON.stringify([r.scenario, r.scenarioRef, r.bugs, r.swarm, r.durationMs ?? null, r.range.first, r.range.count]);
  const describe = (r: ReadReport): string =>
    `scenario ${r.scenarioRef}, seeds ${r.range.first}..${r.range.first + r.range.count - 1}${r.bugs.length > 0 ? `, bugs ${r.bugs.join(',')}` : ''}${r.swarm ? ', swarm' : ''}`;
  const bySeed = new Map<number, { file: string; result: SeedResult }>();
  let wall = 0;
  for (const { file, report } of reports) {
    if (key(report) !== key(first.report)) {
      throw new ReportError(`${file}: a different run (${describe(report)}) from ${first.file} (${describe(first.report)})`);
    }
    wall = Math.max(wall, report.wallMs);
    for (const result of report.results) {
      const { first: lo, count } = report.range;
      if (result.seed < lo || result.seed >= lo + count) throw new ReportError(`${file}: seed ${result.seed} is outside the range ${lo}..${lo + count - 1}`);
      const seen = bySeed.get(result.seed);
      if (seen !== undefined) throw new ReportError(`${file}: seed ${result.seed} is also in ${seen.file} (overlapping shards)`);
      bySeed.set(result.seed, { file, result });
    }
  }
  const r = first.report;
  const run: SwarmRun = {
    scenario: r.scenario,
    scenarioRef: r.scenarioRef,
    bugs: r.bugs,
    swarm: r.swarm,
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    range: r.range,
  };
  // Shards run side by side: the whole took as long as the slowest.
  return summarize(run, { firstSeed: r.range.first, seeds: r.range.count }, [...bySeed.values()].map((x) => x.result), wall);
}
