// A swarm on worker threads: the seeds of the slice go to K workers (one seed each at a time, the
// next to whichever is free), and the results come back in seed order whatever order they finish in.
// Each seed runs exactly as runSwarm would run it in this thread, so its trace hash, invariants and
// probes are the same on any number of workers. A failing seed stops nothing unless stopOnFailure:
// then no seed above it starts, and the seeds below it still finish, so the report is the one a
// single thread would have written (which stops at the first failing seed).
import { availableParallelism } from 'node:os';
import { type Progress, startProgress } from '../src/io/prod/progress.ts';
import { wallMs } from '../src/io/prod/wall-clock.ts';
import { WorkerPool } from '../src/io/prod/worker-pool.ts';
import { type RunResult, reproduceCommand } from './runner.ts';
import { type SeedResult, type SwarmReport, seedResult, summarize } from './swarm-report.ts';
import { type SwarmOptions, swarmRun, swarmSeedOptions } from './swarm.ts';
import type { SeedTask } from './swarm-worker.ts';

export const defaultWorkers = (): number => availableParallelism();

export function startSwarmWorkers(workers: number): WorkerPool<SeedTask, RunResult> {
  return new WorkerPool<SeedTask, RunResult>(new URL('./swarm-worker.mjs', import.meta.url), workers);
}

export interface PoolSwarmOptions extends SwarmOptions {
  readonly workers: number;
  /** Progress on stderr (default: none). */
  readonly progress?: boolean;
  /** A pool already started (benchmarks keep start-up out of the timing); it is left open. */
  readonly pool?: WorkerPool<SeedTask, RunResult>;
}

export async function runSwarmOnWorkers(o: PoolSwarmOptions, onResult?: (r: RunResult) => void): Promise<SwarmReport> {
  const started = wallMs();
  const end = o.firstSeed + o.seeds;
  const pool = o.pool ?? startSwarmWorkers(Math.max(1, Math.min(o.workers, o.seeds)));
  const done = new Map<number, RunResult>();
  let failures = 0;
  let stopAt = Infinity;
  let printed = o.firstSeed;
  let progress: Progress | undefined;
  if (o.progress === true) progress = startProgress((elapsed, tty) => progressLine({ done: done.size, total: o.seeds, failures, elapsedMs: elapsed, tty }));

  const settle = (seed: number, r: RunResult): void => {
    done.set(seed, r);
    if (!r.ok) {
      failures++;
      if (o.stopOnFailure === true) stopAt = Math.min(stopAt, seed);
    }
    // Hand results on in seed order: a seed waits for every seed below it.
    while (printed < end && printed <= stopAt && done.has(printed)) {
      onResult?.(done.get(printed) as RunResult);
      printed++;
    }
    progress?.update();
    // Stopped, and every seed below the failure is in: the seeds still running above it are moot.
    if (printed > stopAt && o.pool === undefined) void pool.close();
  };

  let next = o.firstSeed;
  const lane = async (): Promise<void> => {
    for (;;) {
      const seed = next++;
      if (seed >= end || seed > stopAt) return;
      let r: RunResult;
      try {
        r = await pool.run(swarmSeedOptions(o, seed));
      } catch (err) {
        if (seed > stopAt) return;
        // A worker that died (out of memory, say) fails its seed, not the swarm.
        r = workerFailure(o, seed, err);
      }
      settle(seed, r);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, pool.size) }, lane));
  } finally {
    progress?.stop();
    if (o.pool === undefined) await pool.close();
  }
  const results: SeedResult[] = [];
  for (const [seed, r] of done) if (seed <= stopAt) results.push(seedResult(r));
  return summarize(swarmRun(o), { firstSeed: o.firstSeed, seeds: o.seeds, ...(o.shard !== undefined ? { shard: o.shard } : {}) }, results, wallMs() - started);
}

function workerFailure(o: SwarmOptions, seed: number, err: unknown): RunResult {
  const opts = swarmSeedOptions(o, seed);
  return {
    seed,
    scenario: o.scenario.name,
    traceHash: '',
    simulatedMs: 0,
    wallMs: 0,
    speedup: 0,
    events: 0,
    invariants: { crash: `fail: the worker thread running this seed died: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` },
    ok: false,
    reproduce: reproduceCommand(opts),
    faults: 0,
    probes: {},
    strayTimers: 0,
  };
}

/** One progress line: `[#####-----] 120/1000 seeds  2 failed  0:42 elapsed  ETA 5:13`. */
export function progressLine(p: { done: number; total: number; failures: number; elapsedMs: number; tty: boolean }): string {
  const clock = (ms: number): string => {
    const s = Math.round(ms / 1_000);
    const h = Math.floor(s / 3_600);
    const m = Math.floor((s % 3_600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  };
  const eta = p.done === 0 ? '?' : clock((p.elapsedMs / p.done) * (p.total - p.done));
  const text = `${p.done}/${p.total} seeds  ${p.failures} failed  ${clock(p.elapsedMs)} elapsed  ETA ${eta}`;
  if (!p.tty) return `swarm: ${text}`;
  const width = 24;
  const filled = p.total === 0 ? width : Math.floor((p.done / p.total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
}
