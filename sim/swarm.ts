// Swarm testing: many seeds, each with its own draw of fault rates, and a report of every failing
// seed (with the command that reproduces it) and of coverage probes that never fired anywhere. This
// runs the seeds one after another in this thread; sim/swarm-pool.ts runs them on worker threads.
import type { Scenario } from './scenario.ts';
import { type RunResult, runSimulation } from './runner.ts';
import { type SeedResult, type SwarmReport, seedResult, summarize } from './swarm-report.ts';

export type { SwarmReport } from './swarm-report.ts';

export interface SwarmOptions {
  readonly scenario: Scenario;
  readonly scenarioRef: string;
  /** The seeds [firstSeed, firstSeed + seeds) are run (a shard's slice of `range`). */
  readonly firstSeed: number;
  readonly seeds: number;
  readonly bugs: readonly string[];
  readonly durationMs?: number;
  /** Stop at the first failing seed (used to prove planted bugs are caught). */
  readonly stopOnFailure?: boolean;
  /** The whole range this slice belongs to (default: the slice itself). */
  readonly range?: { readonly first: number; readonly count: number };
  readonly shard?: { readonly index: number; readonly of: number };
}

/** The run options of one seed of a swarm: fault rates drawn from the seed. */
export function swarmSeedOptions(o: SwarmOptions, seed: number) {
  return {
    scenario: o.scenario,
    scenarioRef: o.scenarioRef,
    seed,
    bugs: o.bugs,
    swarm: true,
    ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
  };
}

export function swarmRun(o: SwarmOptions) {
  return {
    scenario: o.scenario.name,
    scenarioRef: o.scenarioRef,
    bugs: o.bugs,
    swarm: true,
    ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
    range: o.range ?? { first: o.firstSeed, count: o.seeds },
  };
}

export async function runSwarm(o: SwarmOptions, onResult?: (r: RunResult) => void): Promise<SwarmReport> {
  const results: SeedResult[] = [];
  let wall = 0;
  for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
    const r = await runSimulation(swarmSeedOptions(o, seed));
    onResult?.(r);
    wall += r.wallMs;
    results.push(seedResult(r));
    if (!r.ok && o.stopOnFailure === true) break;
  }
  return summarize(swarmRun(o), { firstSeed: o.firstSeed, seeds: o.seeds, ...(o.shard !== undefined ? { shard: o.shard } : {}) }, results, wall);
}

/**
 * The i-th (1-based) of n disjoint slices of a seed range, contiguous and differing in size by at most
 * one seed; together they are the range.
 */
export function shardSlice(range: { first: number; count: number }, shard: { index: number; of: number }): { firstSeed: number; seeds: number } {
  const lo = Math.floor(((shard.index - 1) * range.count) / shard.of);
  const hi = Math.floor((shard.index * range.count) / shard.of);
  return { firstSeed: range.first + lo, seeds: hi - lo };
}
