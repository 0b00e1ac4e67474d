// The `swarm` entry of `npm run bench:sim -- --json` (alone: `alys bench swarm [--json]`): how much a
// swarm gains from running its seeds on every core. The same seeds of toy-chaos run on one worker and
// then on K (one per core), both pools started and warmed first so that loading modules is not
// charged; `ratio` is K-worker over 1-worker throughput in this same run (goal: 1.7 on 2 cores). Then
// chaos seeds per wall minute on K workers for chain-chaos and bridge-chaos, the swarms people run.
// The machine's load average is reported beside it: on a shared machine the workers share the cores
// with the neighbours, and the ratio shows it.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import { loadScenario } from '../sim/scenarios/index.ts';
import { runSwarmOnWorkers, startSwarmWorkers } from '../sim/swarm-pool.ts';

export interface SwarmBenchEntry {
  readonly workers: number;
  readonly scenario: string;
  readonly seeds: number;
  readonly oneWorker: { readonly wallMs: number; readonly seedsPerMinute: number };
  readonly kWorkers: { readonly wallMs: number; readonly seedsPerMinute: number };
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
  readonly chaosSeedsPerMinute: Record<string, { readonly seeds: number; readonly wallMs: number; readonly perMinute: number; readonly failures: number }>;
  readonly loadavg1m: { readonly before: number; readonly after: number };
}

const GOAL = 1.7;
const round = (x: number, places = 2): number => Math.round(x * 10 ** places) / 10 ** places;

async function timedSwarm(name: string, seeds: number, workers: number, firstSeed = 1) {
  const pool = startSwarmWorkers(workers);
  try {
    await pool.ready();
    // Two runs of the measured scenario per worker first, on seeds outside the measured ones (all at
    // once, so each worker takes its share): each worker's JIT warms up on the code it will run. A
    // seed of toy-chaos takes about 0.2 s, so a cold worker spent most of a short swarm compiling.
    await Promise.all(Array.from({ length: 2 * workers }, (_, i) => pool.run({ scenario: loadScenario(name), scenarioRef: name, seed: 1_000_000 + i })));
    const started = performance.now();
    const report = await runSwarmOnWorkers({ scenario: loadScenario(name), scenarioRef: name, firstSeed, seeds, bugs: [], workers, pool });
    const wallMs = performance.now() - started;
    return { wallMs: Math.round(wallMs), seedsPerMinute: round(seeds / (wallMs / 60_000)), failures: report.failures.length };
  } finally {
    await pool.close();
  }
}

export async function measureSwarm(o: { seeds?: number; chaosSeeds?: number; workers?: number } = {}): Promise<SwarmBenchEntry> {
  const workers = o.workers ?? availableParallelism();
  const seeds = o.seeds ?? 16 * workers;
  const chaosSeeds = o.chaosSeeds ?? 2 * workers;
  const before = loadavg()[0] ?? 0;
  const one = await timedSwarm('toy-chaos', seeds, 1);
  const many = await timedSwarm('toy-chaos', seeds, workers);
  const chaos: SwarmBenchEntry['chaosSeedsPerMinute'] = {};
  for (const name of ['chain-chaos', 'bridge-chaos']) {
    const r = await timedSwarm(name, chaosSeeds, workers);
    chaos[name] = { seeds: chaosSeeds, wallMs: r.wallMs, perMinute: r.seedsPerMinute, failures: r.failures };
  }
  const ratio = round(many.seedsPerMinute / one.seedsPerMinute);
  return {
    workers,
    scenario: 'toy-chaos',
    seeds,
    oneWorker: { wallMs: one.wallMs, seedsPerMinute: one.seedsPerMinute },
    kWorkers: { wallMs: many.wallMs, seedsPerMinute: many.seedsPerMinute },
    ratio,
    goal: GOAL,
    met: ratio >= GOAL,
    chaosSeedsPerMinute: chaos,
    loadavg1m: { before: round(before), after: round(loadavg()[0] ?? 0) },
  };
}

export function describeSwarm(e: SwarmBenchEntry): string {
  const chaos = Object.entries(e.chaosSeedsPerMinute)
    .map(([k, v]) => `${k} ${v.perMinute} seeds/min`)
    .join(', ');
  return `swarm: ${e.workers} workers ${e.ratio}x one worker on ${e.seeds} seeds of ${e.scenario} (goal ${e.goal}x${e.met ? '' : ', NOT MET'}); ${chaos} (load ${e.loadavg1m.before} -> ${e.loadavg1m.after})`;
}

/** `alys bench swarm [--json] [--seeds N] [--chaos-seeds N] [--workers K]`. */
export async function benchSwarm(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean', default: false }, seeds: { type: 'string' }, 'chaos-seeds': { type: 'string' }, workers: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const e = await measureSwarm({
    ...(v.seeds !== undefined ? { seeds: parsePositiveInt(v.seeds, '--seeds') } : {}),
    ...(v['chaos-seeds'] !== undefined ? { chaosSeeds: parsePositiveInt(v['chaos-seeds'], '--chaos-seeds') } : {}),
    ...(v.workers !== undefined ? { workers: parsePositiveInt(v.workers, '--workers') } : {}),
  });
  console.log(v.json ? JSON.stringify({ swarm: e }) : describeSwarm(e));
  return 0;
}
