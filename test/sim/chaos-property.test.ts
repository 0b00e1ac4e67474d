// Property-based chaos: the toy cluster keeps every invariant under any fault schedule fast-check
// draws; and when a bug is planted, fast-check finds a failing schedule and shrinks it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleArbitrary } from '../../sim/chaos/arbitraries.ts';
import type { Fault } from '../../sim/chaos/faults.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSimulation } from '../../sim/runner.ts';

const shape = { nodes: ['n0', 'n1', 'n2', 'n3', 'n4'], windowMs: 20_000, maxFaults: 8, maxDurationMs: 5_000 };
const base = loadScenario('toy-happy');
const scenario = { ...base, livenessWindowMs: 15_000, durationMs: 20_000 };

describe('chaos properties', () => {
  it('any fault schedule keeps safety, and liveness returns after the faults heal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), scheduleArbitrary(shape), async (seed, schedule) => {
        const r = await runSimulation({ scenario, seed, schedule });
        if (!r.ok) throw new Error(`${r.reproduce}\n${JSON.stringify(r.invariants)}\nschedule: ${JSON.stringify(schedule)}`);
      }),
      { numRuns: 25 },
    );
  });

  it('with a planted bug, a failing schedule is found and shrunk to a small one', async () => {
    const result = await fc.check(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), scheduleArbitrary(shape), async (seed, schedule) => {
        const r = await runSimulation({ scenario, seed, schedule, bugs: ['toy-commit-early'] });
        return r.ok;
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(result.failed).toBe(true);
    const [seed, schedule] = result.counterexample as [number, Fault[]];
    // Committing with two of five replicas needs at least one fault that splits the cluster.
    expect(schedule.length).toBeGreaterThanOrEqual(1);
    expect(schedule.length).toBeLessThanOrEqual(3);
    expect(result.numShrinks).toBeGreaterThan(0);
    // The shrunk case replays exactly.
    const again = await runSimulation({ scenario, seed, schedule, bugs: ['toy-commit-early'] });
    expect(again.ok).toBe(false);
    expect(again.invariants['state-machine-safety']).toMatch(/^fail/);
  });
});
