// storage-corruption over seeds: disks flip bits, misdirect and lose writes, nodes restart on what
// is left. Every corrupt record is caught by the checksum layer (never used: no-corrupt-read), the
// node writes the lost blocks again from its peers, and the chain keeps its safety and liveness.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSwarm } from '../../sim/swarm.ts';

describe('storage-corruption', () => {
  it('detects every corrupt record, repairs it from peers, and keeps every invariant', async () => {
    const report = await runSwarm({ scenario: loadScenario('storage-corruption'), scenarioRef: 'storage-corruption', firstSeed: 500, seeds: 6, bugs: [] });
    expect(report.failures).toEqual([]);
    const p = report.probes;
    expect(p['fault.disk.bit-flip']).toBeGreaterThan(0);
    expect(p['fault.disk.misdirected-write']).toBeGreaterThan(0);
    expect(p['fault.disk.lost-write']).toBeGreaterThan(0);
    // The world saw corrupt bytes reach the layer and not go further; the node saw the same records.
    expect(p['storage.corrupt-detected']).toBeGreaterThan(0);
    expect(p['storage.corrupt-record']).toBe(p['storage.corrupt-detected']);
    expect(p['storage.record-repaired']).toBeGreaterThan(0);
  });
});
