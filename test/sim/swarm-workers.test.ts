// Swarms on worker threads and across machines: a seed's result does not depend on how many workers
// ran it or in which order they finished; the shards of a range are the range; the merge of shard
// reports is the report one machine writes for the whole range; stop-on-failure stops where a single
// thread stops. toy-chaos with a planted bug gives passing and failing seeds (3 and 6 pass, 4 and 5
// fail kernel-conservation).
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/io/prod/progress.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { type SwarmReport, mergeReports, parseReport } from '../../sim/swarm-report.ts';
import { progressLine, runSwarmOnWorkers } from '../../sim/swarm-pool.ts';
import { runSwarm, shardSlice } from '../../sim/swarm.ts';

const name = 'toy-chaos';
const base = { scenario: loadScenario(name), scenarioRef: name, bugs: ['lose-on-restart'], firstSeed: 3, seeds: 4 };

/** Everything but real time, which no two runs share. */
function comparable(r: SwarmReport): unknown {
  return { ...r, wallMs: 0, results: r.results.map((x) => ({ ...x, wallMs: 0 })) };
}
const perSeed = (r: SwarmReport) => r.results.map((x) => ({ seed: x.seed, traceHash: x.traceHash, verdict: x.verdict, failed: x.failed, probes: x.probes, events: x.events }));

describe('swarm on worker threads', () => {
  it('gives every seed the result of a one-worker run and of the main thread, in seed order; shards merge into the whole', async () => {
    const inThread = await runSwarm(base);
    const oneWorker = await runSwarmOnWorkers({ ...base, workers: 1 });
    const seen: number[] = [];
    const twoWorkers = await runSwarmOnWorkers({ ...base, workers: 2 }, (r) => seen.push(r.seed));

    expect(inThread.results.map((r) => r.verdict)).toEqual(['pass', 'fail', 'fail', 'pass']);
    expect(perSeed(oneWorker)).toEqual(perSeed(inThread));
    expect(perSeed(twoWorkers)).toEqual(perSeed(oneWorker));
    expect(comparable(twoWorkers)).toEqual(comparable(oneWorker));
    expect(seen).toEqual([3, 4, 5, 6]);
    expect(twoWorkers.failures.map((f) => f.seed)).toEqual([4, 5]);
    expect(twoWorkers.ok).toBe(false);

    // Three machines, one shard each (seeds 3, 4 and 5-6), written to JSON and read back.
    const range = { first: base.firstSeed, count: base.seeds };
    const shards: Array<{ file: string; report: ReturnType<typeof parseReport> }> = [];
    for (let i = 1; i <= 3; i++) {
      const shard = { index: i, of: 3 };
      // In this thread: the workers are shown above to change nothing; this is about the slices and the merge.
      const r = await runSwarm({ ...base, ...shardSlice(range, shard), range, shard });
      expect(r.shard).toEqual(shard);
      shards.push({ file: `shard-${i}.json`, report: parseReport(JSON.stringify(r), `shard-${i}.json`) });
    }
    expect(shards.map((s) => s.report.results.map((r) => r.seed))).toEqual([[3], [4], [5, 6]]);
    const merged = mergeReports(shards.reverse());
    expect(comparable(merged)).toEqual(comparable(oneWorker));

    // A lost shard fails the merge and names its seeds; a shard given twice is an error naming the file.
    const partial = mergeReports(shards.slice(1));
    expect(partial.missing).toEqual([5, 6]);
    expect(partial.ok).toBe(false);
    expect(() => mergeReports([...shards, shards[0] as (typeof shards)[0]])).toThrow(/shard-3\.json: seed 5 is also in shard-3\.json/);
  }, 900_000);

  it('stops where a single thread stops with stopOnFailure, whatever finishes first', async () => {
    const inThread = await runSwarm({ ...base, stopOnFailure: true });
    const pooled = await runSwarmOnWorkers({ ...base, stopOnFailure: true, workers: 2 });
    expect(inThread.results.map((r) => r.seed)).toEqual([3, 4]);
    expect(comparable(pooled)).toEqual(comparable(inThread));
    expect(pooled.missing).toEqual([5, 6]);
  }, 600_000);
});

describe('shards', () => {
  it('are disjoint, contiguous and together the whole range, for any count', () => {
    for (const count of [1, 7, 100, 10_000]) {
      for (const of of [1, 2, 3, 7, 16, 101]) {
        const seeds: number[] = [];
        for (let index = 1; index <= of; index++) {
          const s = shardSlice({ first: 42, count }, { index, of });
          for (let i = 0; i < s.seeds; i++) seeds.push(s.firstSeed + i);
          expect(s.seeds).toBeGreaterThanOrEqual(Math.floor(count / of));
          expect(s.seeds).toBeLessThanOrEqual(Math.ceil(count / of));
        }
        expect(seeds).toEqual(Array.from({ length: count }, (_, i) => 42 + i));
      }
    }
  });
});

describe('progress line', () => {
  it('shows seeds done, failures and an ETA from the rate so far', () => {
    expect(progressLine({ done: 25, total: 100, failures: 2, elapsedMs: 60_000, tty: false })).toBe('swarm: 25/100 seeds  2 failed  1:00 elapsed  ETA 3:00');
    expect(progressLine({ done: 50, total: 100, failures: 0, elapsedMs: 3_600_000, tty: true })).toBe(
      '[############------------] 50/100 seeds  0 failed  1:00:00 elapsed  ETA 1:00:00',
    );
    expect(progressLine({ done: 0, total: 10, failures: 0, elapsedMs: 5_000, tty: false })).toContain('ETA ?');
  });

  it('is redrawn in place on a terminal and written as plain lines otherwise', () => {
    const written = (tty: boolean): string[] => {
      const out: string[] = [];
      let n = 0;
      const p = startProgress(() => `line ${++n}`, { stream: { isTTY: tty, write: (t) => out.push(t) > 0 } });
      p.update();
      p.update();
      p.stop();
      p.update();
      return out;
    };
    expect(written(true)).toEqual(['\r\x1b[2Kline 1', '\r\x1b[2Kline 2', '\r\x1b[2Kline 3', '\n']);
    // Off a terminal an update draws nothing (a line comes every few seconds), the end one line.
    expect(written(false)).toEqual(['line 1\n']);
  });
});
