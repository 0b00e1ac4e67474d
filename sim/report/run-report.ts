// One run as the report shows it: the run's result, each invariant's verdict with the time it first
// failed, and the sampled timeline.
import type { RunResult } from '../runner.ts';
import type { Scenario } from '../scenario.ts';
import type { Timeline } from './timeline.ts';

export interface InvariantRow {
  readonly name: string;
  readonly verdict: 'pass' | 'fail';
  readonly reason?: string;
  readonly firstFailedMs?: number;
  /** What the scenario asks of it: hold, be violated (a negative scenario), or may fail. */
  readonly expect: 'hold' | 'violated' | 'may-fail';
}

export interface RunReport {
  readonly kind: 'run';
  readonly scenario: string;
  readonly description: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly reproduce: string;
  readonly invariants: readonly InvariantRow[];
  readonly timeline: Timeline;
}

export function runReport(result: RunResult, scenario: Scenario, timeline: Timeline): RunReport {
  const invariants = Object.entries(result.invariants)
    .map(([name, verdict]): InvariantRow => {
      const first = timeline.firstFailures[name];
      const expect = scenario.expectViolated.includes(name) ? 'violated' : scenario.mayFail.includes(name) ? 'may-fail' : 'hold';
      if (verdict === 'pass') return { name, verdict: 'pass', expect };
      return { name, verdict: 'fail', reason: verdict.replace(/^fail: /, ''), ...(first !== undefined ? { firstFailedMs: first.timeMs } : {}), expect };
    })
    // Failures first, each group by name: what went wrong is what a reader looks for.
    .sort((a, b) => (a.verdict === b.verdict ? a.name.localeCompare(b.name) : a.verdict === 'fail' ? -1 : 1));
  return {
    kind: 'run',
    scenario: result.scenario,
    description: scenario.description,
    seed: result.seed,
    ok: result.ok,
    traceHash: result.traceHash,
    events: result.events,
    simulatedMs: result.simulatedMs,
    reproduce: result.reproduce,
    invariants,
    timeline,
  };
}
