// The same seed gives the same trace hash, every time; different seeds give different hashes. Over
// a hundred seeds of a scenario with partitions, crashes, Byzantine peers and a lossy network.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSimulation } from '../../sim/runner.ts';

describe('determinism over seeds', () => {
  it('100 seeds: same seed, same hash; different seeds, different hashes', async () => {
    const scenario = loadScenario('toy-chaos');
    const hashes = new Map<string, number>();
    for (let seed = 1; seed <= 100; seed++) {
      const a = await runSimulation({ scenario, seed, durationMs: 8_000, swarm: true });
      const b = await runSimulation({ scenario, seed, durationMs: 8_000, swarm: true });
      expect(b.traceHash, `seed ${seed}`).toBe(a.traceHash);
      expect(b.events).toBe(a.events);
      expect(hashes.has(a.traceHash), `seed ${seed} collides with seed ${hashes.get(a.traceHash)}`).toBe(false);
      hashes.set(a.traceHash, seed);
    }
  });
});
