// Each planted bug must be caught by its checker within 20 seeds: the proof that the checkers can
// fail. And the same scenarios without the bug must pass, so the catch is the bug's doing.
import { describe, expect, it } from 'vitest';
import { allBugs } from '../../sim/bugs.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSwarm } from '../../sim/swarm.ts';

describe('planted bugs are caught', () => {
  for (const bug of allBugs()) {
    it(`${bug.name} (${bug.layer}) is caught by ${bug.caughtBy} within 20 seeds of ${bug.scenario}`, async () => {
      const scenario = loadScenario(bug.scenario);
      const report = await runSwarm({
        scenario,
        scenarioRef: bug.scenario,
        firstSeed: 1,
        seeds: 20,
        bugs: [bug.name],
        stopOnFailure: true,
      });
      expect(report.failures.length).toBe(1);
      const failure = report.failures[0];
      expect(Object.keys(failure?.failed ?? {})).toContain(bug.caughtBy);
      expect(failure?.reproduce).toContain(`--plant-bug ${bug.name}`);
    });
  }

  it('the exposing scenarios pass without any bug', async () => {
    for (const name of new Set(allBugs().map((b) => b.scenario))) {
      const report = await runSwarm({ scenario: loadScenario(name), scenarioRef: name, firstSeed: 1, seeds: 3, bugs: [] });
      expect(report.failures).toEqual([]);
    }
  });
});
