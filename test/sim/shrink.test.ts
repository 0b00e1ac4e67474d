// Shrinking failing schedules, with planted bugs: for each bug below, the first seed (of 20) that it
// fails is shrunk; the scenario file written from the result, loaded back from disk as
// `alys sim --scenario FILE` loads it, still fails the same invariant, and has at most five faults
// when the seed's run had any. The unshrunk schedule written the same way replays the seed's run
// exactly (same trace hash), which is what makes the file a reproduction. The bugs are those whose
// scenarios run fast (the toy app, and one chain bug behind crashes); the others shrink the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allBugs } from '../../sim/bugs.ts';
import { planRun, runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { shrinkSchedule } from '../../sim/shrink.ts';

const dir = mkdtempSync(join(tmpdir(), 'alys-shrink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bugs = ['lose-on-restart', 'leaky-partition', 'toy-commit-early', 'toy-unsynced-log', 'sync-lies', 'deliver-twice', 'chain-unsynced-commit'];

describe('shrinking the schedules of planted bugs', () => {
  for (const name of bugs) {
    it(`${name}: the shrunk schedule still fails the same invariant, with at most five faults`, async () => {
      const bug = allBugs().find((b) => b.name === name);
      if (bug === undefined) throw new Error(`no planted bug ${name}`);
      const scenario = loadScenario(bug.scenario);
      const opts = { scenario, scenarioRef: bug.scenario, bugs: [name], swarm: true };
      let failing;
      for (let seed = 1; seed <= 20 && failing === undefined; seed++) {
        const r = await runSimulation({ ...opts, seed });
        if (!r.ok) failing = r;
      }
      expect(failing, `${name} fails no seed of 20`).toBeDefined();
      if (failing === undefined) return;
      const seed = failing.seed;
      const file = join(dir, `${name}.json`);
      const shrunk = await shrinkSchedule({ ...opts, seed, file, maxRuns: 60 });

      expect(shrunk.original).toEqual([...planRun({ ...opts, seed }).schedule].sort((a, b) => a.at - b.at));
      expect(failing.invariants[shrunk.invariant]).not.toBe('pass');
      writeFileSync(file, JSON.stringify(shrunk.scenario));
      const replay = await runSimulation({ scenario: loadScenario(file), scenarioRef: file, seed, bugs: [name] });
      expect(replay.ok).toBe(false);
      expect(replay.invariants[shrunk.invariant]).not.toBe('pass');
      expect(replay.traceHash).toBe(shrunk.result.traceHash);
      expect(replay.reproduce).toBe(`alys sim --seed ${seed} --scenario ${file} --plant-bug ${name}`);
      expect(replay.faults).toBe(shrunk.shrunk.length);
      if (failing.faults > 0) expect(shrunk.shrunk.length).toBeLessThanOrEqual(5);
      expect(shrunk.shrunk.length).toBeLessThanOrEqual(shrunk.original.length);
      expect(shrunk.runs).toBeLessThanOrEqual(61);

      // The seed's own schedule, fixed in a file the same way, is the seed's own run.
      const whole = join(dir, `${name}-whole.json`);
      writeFileSync(whole, JSON.stringify({ ...shrunk.scenario, faults: { ...shrunk.scenario.faults, schedule: shrunk.original } }));
      const same = await runSimulation({ scenario: loadScenario(whole), scenarioRef: whole, seed, bugs: [name] });
      expect(same.traceHash).toBe(failing.traceHash);
    }, 1_800_000);
  }
});
