// Swarm testing: many seeds, each with its own draw of fault rates, and a report of every failing
// seed (with the command that reproduces it) and of coverage probes that never fired anywhere.
import type { Scenario } from './scenario.ts';
import { type RunResult, runSimulation } from './runner.ts';

export interface SwarmReport {
  readonly scenario: string;
  readonly seeds: number;
  readonly firstSeed: number;
  readonly failures: ReadonlyArray<{ seed: number; reproduce: string; failed: Record<string, string> }>;
  readonly probes: Record<string, number>;
  /** How many seeds each probe fired in (a fault kind drawn in too few seeds is barely tested). */
  readonly probeSeeds: Record<string, number>;
  /** Probes that never fired over the whole swarm: paths the swarm did not explore. */
  readonly gaps: readonly string[];
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly ok: boolean;
}

export async function runSwarm(
  o: {
    scenario: Scenario;
    scenarioRef: string;
    firstSeed: number;
    seeds: number;
    bugs: readonly string[];
    durationMs?: number;
    /** Stop at the first failing seed (used to prove planted bugs are caught). */
    stopOnFailure?: boolean;
  },
  onResult?: (r: RunResult) => void,
): Promise<SwarmReport> {
  const failures: Array<{ seed: number; reproduce: string; failed: Record<string, string> }> = [];
  const probes: Record<string, number> = {};
  const probeSeeds: Record<string, number> = {};
  let simulatedMs = 0;
  let wall = 0;
  for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
    const r = await runSimulation({
      scenario: o.scenario,
      scenarioRef: o.scenarioRef,
      seed,
      bugs: o.bugs,
      swarm: true,
      ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
    });
    onResult?.(r);
    simulatedMs += r.simulatedMs;
    wall += r.wallMs;
    for (const [k, v] of Object.entries(r.probes)) {
      probes[k] = (probes[k] ?? 0) + v;
      probeSeeds[k] = (probeSeeds[k] ?? 0) + (v > 0 ? 1 : 0);
    }
    if (!r.ok) {
      const failed: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.invariants)) if (v !== 'pass') failed[k] = v;
      failures.push({ seed, reproduce: r.reproduce, failed });
      if (o.stopOnFailure === true) break;
    }
  }
  const gaps = Object.entries(probes)
    .filter(([, v]) => v === 0)
    .map(([k]) => k)
    .sort();
  return {
    scenario: o.scenario.name,
    seeds: o.seeds,
    firstSeed: o.firstSeed,
    failures,
    probes,
    probeSeeds,
    gaps,
    simulatedMs,
    wallMs: Math.round(wall),
    ok: failures.length === 0,
  };
}
