// Shrinking a failing seed's fault schedule (delta debugging): remove faults (ddmin over the list),
// shorten the ones that last, move them later, and keep each change only if the run still fails the
// same invariant. Every candidate is a whole deterministic run of the scenario as the shrunk file will
// replay it (the seed's shape baked in, the drawn schedule written out as a fixed one), so the result
// replays exactly with `alys sim --seed S --scenario FILE`.
import { type Fault, healTime } from './chaos/faults.ts';
import { type RunOptions, type RunResult, planRun, runSimulation } from './runner.ts';
import type { Scenario } from './scenario.ts';

export interface ShrinkOptions {
  readonly scenario: Scenario;
  readonly scenarioRef: string;
  readonly seed: number;
  readonly bugs?: readonly string[];
  readonly swarm?: boolean;
  readonly durationMs?: number;
  /** The schedule to shrink instead of the one the seed draws (as --schedule gives it). */
  readonly schedule?: readonly Fault[];
  /** Where the shrunk scenario will be written: candidates run under this name, as the file will. */
  readonly file: string;
  /** At most this many candidate runs (default 150). */
  readonly maxRuns?: number;
  /** Each kept step, for the person waiting. */
  readonly log?: (line: string) => void;
}

export interface ShrinkResult {
  /** The invariant every kept candidate failed (the first the seed's own run failed). */
  readonly invariant: string;
  readonly original: readonly Fault[];
  readonly shrunk: readonly Fault[];
  /** Candidate runs made (the seed's own run included). */
  readonly runs: number;
  /** The scenario to write to `file`: the seed's scenario with the shrunk schedule fixed. */
  readonly scenario: Scenario;
  /** The run of the shrunk scenario (its reproduce line names `file`). */
  readonly result: RunResult;
}

export class NothingToShrink extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToShrink';
  }
}

/** The durations a shrink can cut: how long a fault lasts, or how long a crashed node stays down. */
function lasting(f: Fault): number | undefined {
  if (f.kind === 'crash') return f.restartAfterMs;
  if ('durationMs' in f) return f.durationMs;
  return undefined;
}

function withLasting(f: Fault, ms: number): Fault {
  if (f.kind === 'crash') return { ...f, restartAfterMs: ms };
  return { ...f, durationMs: ms } as Fault;
}

const byTime = (s: readonly Fault[]): Fault[] => [...s].sort((a, b) => a.at - b.at);

export async function shrinkSchedule(o: ShrinkOptions): Promise<ShrinkResult> {
  const plan = planRun(o);
  const original = byTime(plan.schedule);
  const maxRuns = o.maxRuns ?? 150;
  // The file's scenario: the seed's shape, no rates (nothing drawn on replay), the fault window kept
  // so that liveness is judged from the same time.
  const fixed = (schedule: readonly Fault[]): Scenario => {
    const { rates: _rates, ...faults } = plan.scenario.faults;
    return {
      ...plan.scenario,
      name: `${o.scenario.name}-seed-${o.seed}-shrunk`,
      durationMs: o.durationMs ?? plan.scenario.durationMs,
      faults: { ...faults, schedule: [...schedule] },
    };
  };
  const runOf = (schedule: readonly Fault[]): RunOptions => ({ scenario: fixed(schedule), scenarioRef: o.file, seed: o.seed, bugs: o.bugs ?? [] });

  let runs = 0;
  const tried = new Map<string, RunResult>();
  const run = async (schedule: readonly Fault[]): Promise<RunResult> => {
    const key = JSON.stringify(schedule);
    let r = tried.get(key);
    if (r === undefined) {
      runs++;
      r = await runSimulation(runOf(schedule));
      tried.set(key, r);
    }
    return r;
  };

  const first = await run(original);
  if (first.ok) throw new NothingToShrink(`seed ${o.seed} of ${o.scenarioRef} passes: there is no failure to shrink`);
  const invariant = Object.entries(first.invariants).find(([name, v]) => v !== 'pass' && !plan.scenario.mayFail.includes(name))?.[0];
  if (invariant === undefined) {
    throw new NothingToShrink(`seed ${o.seed} of ${o.scenarioRef} fails only by an expected violation not showing: there is no failing invariant to shrink towards`);
  }
  const fails = async (schedule: readonly Fault[]): Promise<boolean> => {
    if (runs >= maxRuns && !tried.has(JSON.stringify(schedule))) return false;
    const r = await run(schedule);
    return !r.ok && r.invariants[invariant] !== undefined && r.invariants[invariant] !== 'pass';
  };
  const log = o.log ?? (() => {});
  let cur = original;
  log(`shrink: seed ${o.seed} fails ${invariant} with ${cur.length} faults`);

  // Faults may be moved later, but not past the time the original schedule had healed by: the
  // liveness window must not start later than it did.
  const healedBy = Math.max(healTime(original), plan.scenario.faults.window?.endMs ?? 0);

  const removeFaults = async (): Promise<boolean> => {
    let changed = false;
    if (cur.length > 0 && (await fails([]))) {
      log(`shrink: fails with no faults at all (run ${runs})`);
      cur = [];
      return true;
    }
    let n = 2;
    while (cur.length >= 2 && runs < maxRuns) {
      const size = Math.ceil(cur.length / n);
      let reduced = false;
      for (let i = 0; i < cur.length; i += size) {
        const candidate = [...cur.slice(0, i), ...cur.slice(i + size)];
        if (await fails(candidate)) {
          cur = candidate;
          n = Math.max(n - 1, 2);
          reduced = true;
          changed = true;
          log(`shrink: ${cur.length} faults (run ${runs})`);
          break;
        }
      }
      if (!reduced) {
        if (n >= cur.length) break;
        n = Math.min(2 * n, cur.length);
      }
    }
    return changed;
  };

  const shorten = async (): Promise<boolean> => {
    let changed = false;
    for (let i = 0; i < cur.length && runs < maxRuns; i++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const f = cur[i] as Fault;
        const d = lasting(f);
        if (d === undefined || d <= 1) break;
        const candidate = cur.map((x, j) => (j === i ? withLasting(x, Math.max(1, Math.floor(d / 2))) : x));
        if (!(await fails(candidate))) break;
        cur = candidate;
        changed = true;
        log(`shrink: fault ${i + 1} lasts ${lasting(cur[i] as Fault)} ms (run ${runs})`);
      }
    }
    return changed;
  };

  const moveLater = async (): Promise<boolean> => {
    let changed = false;
    for (let i = 0; i < cur.length && runs < maxRuns; i++) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const f = cur[i] as Fault;
        const latest = healedBy - (lasting(f) ?? 0);
        const at = f.at + Math.floor((latest - f.at) / 2);
        if (at <= f.at) break;
        const candidate = cur.map((x, j) => (j === i ? { ...x, at } : x));
        if (!(await fails(byTime(candidate)))) break;
        cur = byTime(candidate);
        changed = true;
        log(`shrink: a ${f.kind} moved from ${f.at} ms to ${at} ms (run ${runs})`);
        // The moved fault may now sit elsewhere in time order: start the pass over.
        i = -1;
        break;
      }
    }
    return changed;
  };

  for (let round = 0; round < 4 && runs < maxRuns; round++) {
    const removed = await removeFaults();
    const shortened = await shorten();
    const moved = await moveLater();
    if (!removed && !shortened && !moved) break;
  }
  const result = await run(cur);
  return { invariant, original, shrunk: cur, runs, scenario: fixed(cur), result };
}
