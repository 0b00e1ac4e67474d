// bridge-chaos must exercise every kind of fault it names in a good share of a 200-seed swarm, not
// pass because the draw left some kind out: each fault kind is drawn (and so fired: the world
// applies every fault of the schedule, raising its `fault.*` probe) in at least 10 % of the seeds,
// computed from the same seeded draws the runner makes.
import { describe, expect, it } from 'vitest';
import { drawRates, drawSchedule, faultProbe, rateProbes } from '../../sim/chaos/generate.ts';
import { nodeIds } from '../../sim/scenario.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { SeededRng } from '../../src/kernel/rng.ts';

describe('bridge-chaos fault coverage', () => {
  it('draws every fault kind of its rates in at least 10 % of 200 seeds', () => {
    const s = loadScenario('bridge-chaos');
    const rates = s.faults.rates;
    const window = s.faults.window;
    if (rates === undefined || window === undefined) throw new Error('bridge-chaos has no rates');
    expect(s.storage.tornWrites).toBe(true);
    const wanted = rateProbes(rates);
    expect(wanted).toEqual(
      expect.arrayContaining([
        'fault.crash',
        'fault.partition',
        'fault.degrade-network',
        'fault.world.governance-down',
        'fault.world.governance-slow',
        'fault.world.governance-byzantine',
        'fault.world.bitcoin-reorg',
        'fault.world.federation-rotate',
        'fault.world.emergency-pause',
        'fault.app.bitcoin-down',
      ]),
    );
    const seedsWith = new Map<string, number>(wanted.map((p) => [p, 0]));
    for (let seed = 1; seed <= 200; seed++) {
      // As the runner draws them for a swarm seed.
      const rng = new SeededRng(seed);
      const drawn = drawSchedule(drawRates(rates, rng.fork('swarm-rates')), window, nodeIds(s).honest, rng.fork('faults'));
      for (const p of new Set(drawn.map(faultProbe))) seedsWith.set(p, (seedsWith.get(p) ?? 0) + 1);
    }
    for (const p of wanted) expect(seedsWith.get(p), p).toBeGreaterThanOrEqual(20);
  });
});
