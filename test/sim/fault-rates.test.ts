// World faults as rates: governance outages, Byzantine and slow governance, Bitcoin reorgs,
// federation rotations, engine faults and disk faults are drawn from the seed like crashes and
// partitions, so a swarm combines them; each fault that fires is a probe; a scenario that asks for
// a fault its app cannot apply is refused with the field's path.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/kernel/rng.ts';
import { drawRates, drawSchedule, rateProbes } from '../../sim/chaos/generate.ts';
import { runSimulation } from '../../sim/runner.ts';
import { ScenarioError, faultRatesSchema, parseScenario } from '../../sim/scenario.ts';

const nodes = ['n0', 'n1', 'n2'];
const window = { startMs: 10_000, endMs: 130_000 };

describe('fault rates', () => {
  it('draws world, engine and disk faults within the window, for honest nodes', () => {
    const rates = faultRatesSchema.parse({ governanceOutage: 2, governanceByzantine: 2, governanceSlow: 2, bitcoinReorg: 2, federationRotation: 2, engineFaults: 2, bitFlip: 2, misdirectedWrite: 2, lostWrite: 2 });
    const schedule = drawSchedule(rates, window, nodes, new SeededRng(4));
    const kinds = new Set(schedule.map((f) => (f.kind === 'world' || f.kind === 'app' ? f.action : f.kind === 'disk-fault' ? f.fault : f.kind)));
    for (const k of ['governance-down', 'governance-byzantine', 'governance-slow', 'bitcoin-reorg', 'federation-rotate', 'bit-flip', 'misdirected-write', 'lost-write']) expect(kinds).toContain(k);
    expect([...kinds].some((k) => k.startsWith('engine-'))).toBe(true);
    for (const f of schedule) {
      expect(f.at).toBeGreaterThanOrEqual(window.startMs);
      expect(f.at).toBeLessThan(window.endMs);
      if ('durationMs' in f && f.durationMs !== undefined) expect(f.at + f.durationMs).toBeLessThanOrEqual(window.endMs);
      if ('node' in f) expect(nodes).toContain(f.node);
    }
    // 2 per minute over a 2-minute window: 4 (the fraction of a mean rounds up by chance).
    expect(schedule.filter((f) => f.kind === 'world' && f.action === 'bitcoin-reorg')).toHaveLength(4);
  });

  it('the new kinds draw after the older ones: asking for them leaves the older faults of a seed as they were', () => {
    const old = faultRatesSchema.parse({ partition: 1, crash: 2, storageErrors: 0.5 });
    const more = faultRatesSchema.parse({ ...old, governanceOutage: 1, bitFlip: 2, engineFaults: 1 });
    const older = (fs: ReturnType<typeof drawSchedule>) => fs.filter((f) => f.kind !== 'world' && f.kind !== 'app' && f.kind !== 'disk-fault');
    for (let seed = 1; seed <= 10; seed++) {
      const a = drawSchedule(old, window, nodes, new SeededRng(seed));
      const b = drawSchedule(more, window, nodes, new SeededRng(seed));
      expect(older(b)).toEqual(a);
      expect(b.length).toBeGreaterThan(a.length);
      // Swarm mode too: the older kinds' drawn rates do not move.
      const ra = drawRates(old, new SeededRng(seed));
      const rb = drawRates(more, new SeededRng(seed));
      expect([rb.partition, rb.crash, rb.storageErrors]).toEqual([ra.partition, ra.crash, ra.storageErrors]);
    }
  });

  it('swarm mode scales the world rates per seed, switching some off', () => {
    const base = faultRatesSchema.parse({ governanceOutage: 1, bitcoinReorg: 1, engineFaults: 1 });
    const draws = Array.from({ length: 40 }, (_, i) => drawRates(base, new SeededRng(i)));
    expect(draws.some((r) => r.bitcoinReorg === 0)).toBe(true);
    expect(draws.some((r) => r.bitcoinReorg > 0 && r.bitcoinReorg !== 1)).toBe(true);
    expect(rateProbes(base)).toEqual(['fault.world.governance-down', 'fault.world.bitcoin-reorg', 'fault.app.engine-syncing', 'fault.app.engine-invalid', 'fault.app.engine-down']);
  });

  it('refuses world rates on an app without governance or Bitcoin, naming the field', () => {
    const s = { name: 'x', app: 'chain', nodes: 3, durationMs: 60_000, faults: { rates: { bitcoinReorg: 1 }, window: { startMs: 0, endMs: 30_000 } } };
    expect(() => parseScenario(s)).toThrow(ScenarioError);
    expect(() => parseScenario(s)).toThrow(/faults\.rates\.bitcoinReorg: needs app bridge/);
    expect(() => parseScenario({ ...s, app: 'toy', faults: { ...s.faults, rates: { engineFaults: 1 } } })).toThrow(/faults\.rates\.engineFaults/);
    expect(parseScenario({ ...s, faults: { ...s.faults, rates: { engineFaults: 1, bitFlip: 1 } } }).faults.rates?.engineFaults).toBe(1);
  });

  it('a chain swarm seed combines engine and disk faults with crashes, and each firing is a probe', async () => {
    const scenario = parseScenario({
      name: 'engine-and-disk-swarm',
      app: 'chain',
      nodes: 3,
      durationMs: 60_000,
      livenessWindowMs: 30_000,
      faults: { rates: { engineFaults: 6, bitFlip: 6, crash: 6, minDurationMs: 500, maxDurationMs: 3_000 }, window: { startMs: 5_000, endMs: 25_000 } },
    });
    const r = await runSimulation({ scenario, seed: 2 });
    expect(r.invariants).toMatchObject({ 'no-corrupt-read': 'pass', 'storage-durability': 'pass' });
    expect(r.ok).toBe(true);
    const fired = Object.entries(r.probes).filter(([k, n]) => k.startsWith('fault.') && n > 0).map(([k]) => k);
    expect(fired).toContain('fault.crash');
    expect(fired).toContain('fault.disk.bit-flip');
    expect(fired.some((k) => k.startsWith('fault.app.engine-'))).toBe(true);
    // Kinds the rates can draw are listed even when a seed fires none of them (coverage gaps show).
    for (const k of rateProbes(scenario.faults.rates as never)) expect(k in r.probes).toBe(true);
  });
});
