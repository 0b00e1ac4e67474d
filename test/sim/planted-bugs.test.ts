// Each planted bug must be caught, by every invariant it names, within 20 seeds: the proof that the
// checkers can fail. The exposing scenarios without any bug pass (a few seeds here; the long swarms
// are run by hand and reported), so the catch is the bug's doing.
import { describe, expect, it } from 'vitest';
import { allBugs } from '../../sim/bugs.ts';
import { runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSwarm } from '../../sim/swarm.ts';

const maxSeeds = 20;

describe('planted bugs are caught', () => {
  for (const bug of allBugs()) {
    it(`${bug.name} (${bug.layer}) is caught by ${bug.catches.join(', ')} within ${maxSeeds} seeds of ${bug.scenario}`, async () => {
      // Each run goes on until every invariant the bug names has failed (as a negative scenario
      // does), so a first catch does not end the run before the others can show.
      const scenario = { ...loadScenario(bug.scenario), expectViolated: [...bug.catches] };
      const missing = new Set(bug.catches);
      const failedSeeds: number[] = [];
      // Stop at the first seed by which every named invariant has failed once.
      for (let seed = 1; seed <= maxSeeds && missing.size > 0; seed++) {
        const r = await runSimulation({ scenario, scenarioRef: bug.scenario, seed, bugs: [bug.name], swarm: true });
        if (Object.values(r.invariants).every((v) => v === 'pass')) continue;
        failedSeeds.push(seed);
        expect(r.reproduce).toContain(`--plant-bug ${bug.name}`);
        for (const [name, verdict] of Object.entries(r.invariants)) if (verdict !== 'pass') missing.delete(name);
      }
      expect([...missing], `not caught within ${maxSeeds} seeds (failing seeds: ${failedSeeds.join(',') || 'none'})`).toEqual([]);
    });
  }

  it('the exposing scenarios pass without any bug', async () => {
    for (const name of new Set(allBugs().map((b) => b.scenario))) {
      // Bridge runs take long: their scenarios run clean in bridge-scenarios.test.ts; the 20-seed
      // swarms of every exposing scenario are run by hand.
      if (loadScenario(name).app === 'bridge') continue;
      const seeds = 3;
      const report = await runSwarm({ scenario: loadScenario(name), scenarioRef: name, firstSeed: 1, seeds, bugs: [] });
      expect(report.failures).toEqual([]);
    }
  });
});
