// Property-based chaos on the peg: whenever a federation rotation falls and whichever authorities
// crash around it (before it, in its grace period, after it, overlapping), with governance down,
// slow or lying, Bitcoin reorganising and the network split on top, every invariant holds and the
// restarted authorities catch up. With the rescan of a late-learned federation taken out
// (`pegin-no-rescan-for-late-federation`), fast-check finds a schedule that halts the chain.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rotationRestartArbitrary } from '../../sim/chaos/arbitraries.ts';
import type { Fault } from '../../sim/chaos/faults.ts';
import { runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';

const base = loadScenario('rotation-then-restart');
// Workload until 150 s and faults over by about 170 s leave the liveness window its minute.
const scenario = { ...base, durationMs: 240_000, bridge: { ...base.bridge, workloadUntilMs: 150_000 } };
const shape = { nodes: ['n0', 'n1', 'n2', 'n3'], rotateAtMs: { min: 30_000, max: 110_000 }, faultsWithinMs: { min: 10_000, max: 140_000 } };
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('rotation and restarts, property-based', () => {
  it('any rotation with authorities crashing around it keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, rotationRestartArbitrary(shape), async (seed, schedule) => {
        const r = await runSimulation({ scenario, seed, schedule });
        if (!r.ok) throw new Error(`${r.reproduce} --schedule '${JSON.stringify(schedule)}'\n${JSON.stringify(r.invariants)}`);
      }),
      { numRuns: 10, seed: 13 },
    );
  });

  it('without the rescan for a late federation, a halting schedule is found and replays', async () => {
    const bugs = ['pegin-no-rescan-for-late-federation'];
    const result = await fc.check(
      fc.asyncProperty(seedArb, rotationRestartArbitrary(shape), async (seed, schedule) => (await runSimulation({ scenario, seed, schedule, bugs })).ok),
      { numRuns: 40, seed: 13 },
    );
    expect(result.failed).toBe(true);
    const [seed, schedule] = result.counterexample as [number, Fault[]];
    // Shrunk to the heart of it: a rotation, and an authority down around it.
    expect(result.numShrinks).toBeGreaterThan(0);
    expect(schedule.length).toBeLessThanOrEqual(3);
    expect(schedule.map((f) => (f.kind === 'world' ? f.action : f.kind))).toEqual(expect.arrayContaining(['federation-rotate', 'crash']));
    const again = await runSimulation({ scenario, seed, schedule, bugs });
    expect(again.ok).toBe(false);
    expect(again.invariants['liveness']).toMatch(/^fail/);
    // The same case without the bug passes: the catch is the bug's doing.
    expect((await runSimulation({ scenario, seed, schedule })).ok).toBe(true);
  });
});
