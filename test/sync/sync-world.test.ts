// The production node's sync in a simulated world (a configuration of the one World: sim/sync/run.ts):
// both strategies sync a small production-format chain; the parallel one is faster on the same
// world; a Byzantine peer's forged batch is refetched from an honest peer and the peer is banned
// from sync; the pipeline passes its checkpoints as it goes.
import { describe, expect, it } from 'vitest';
import { parallelDefaults, sequentialDefaults } from '../../src/actors/sync-actor.ts';
import { runSyncWorld } from '../../sim/sync/run.ts';

const world = { blocks: 1_200, crypto: 'sim' as const, seed: 1, peers: 3, byzantinePeers: 0, rttMs: 50, bandwidthBytesPerMs: 400, execMs: 1.2, forkchoiceMs: 0.6, verifyCostMs: 1.1, maxSimMs: 3_600_000 };

describe('sync world', () => {
  it('both strategies sync the whole chain, every block executed once; parallel is faster', async () => {
    const seq = await runSyncWorld({ ...world, config: sequentialDefaults, cores: 1 });
    const par = await runSyncWorld({ ...world, config: parallelDefaults, cores: 2 });
    for (const r of [seq, par]) {
      expect(r.ok).toBe(true);
      expect(r.height).toBe(1_200);
      expect(r.executed).toBe(1_200);
      // Run in the one World, with its checkers on: every invariant held.
      expect(r.run.ok).toBe(true);
    }
    expect(par.blocksPerSec).toBeGreaterThan(2 * seq.blocksPerSec);
    expect(par.lastCheckpoint).toBe(1_200);
  });

  it('a Byzantine peer serving forged batches is banned and its batches refetched elsewhere', async () => {
    const r = await runSyncWorld({ ...world, byzantinePeers: 1, config: parallelDefaults, cores: 2 });
    expect(r.ok).toBe(true);
    expect(r.executed).toBe(1_200);
    expect(r.probes['sync.forged-batch-served']).toBeGreaterThan(0);
    expect((r.probes['sync.forged-batch-refetched'] ?? 0) + (r.probes['sync.peer-banned-bad-batch'] ?? 0)).toBeGreaterThan(0);
  });

  it('the legacy strategy stops at the first forged batch', async () => {
    const r = await runSyncWorld({ ...world, byzantinePeers: 2, peers: 2, config: sequentialDefaults, cores: 1 });
    expect(r.ok).toBe(false);
    expect(r.state).toBe('failed');
  });
});
