import { describe, expect, it } from 'vitest';
import { SyncProgressReport, formatDuration, percentOf } from '../../src/sync/progress-report.ts';
import type { SyncProgress } from '../../src/sync/sync-state.ts';

const progress = (state: SyncProgress['state'], current: number, target: number, peerCount = 3): SyncProgress => ({
  state,
  currentHeight: current,
  targetHeight: target,
  blocksPerSec: 0,
  peerCount,
  lastCheckpoint: undefined,
  canProduce: false,
});

describe('sync progress report', () => {
  it('logs one line per interval while behind, with the windowed rate, percent and ETA', () => {
    const lines: string[] = [];
    const r = new SyncProgressReport({ everyMs: 5_000, windowMs: 10_000, log: (l) => lines.push(l) });
    // 100 blocks/s for 20 s, observed every 100 ms.
    for (let t = 0; t <= 20_000; t += 100) r.observe(t, progress('downloading', t / 10, 10_000));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('sync: downloading 500/10000 (5 %), 100.0 blocks/s, ETA 1m35s, 3 peers');
    expect(lines[3]).toBe('sync: downloading 2000/10000 (20 %), 100.0 blocks/s, ETA 1m20s, 3 peers');
  });

  it('measures the rate over the last window, not since the start', () => {
    const lines: string[] = [];
    const r = new SyncProgressReport({ everyMs: 5_000, windowMs: 5_000, log: (l) => lines.push(l) });
    let h = 0;
    // 10 blocks/s for 10 s, then 200 blocks/s.
    for (let t = 0; t <= 20_000; t += 100) {
      h += t <= 10_000 ? 1 : 20;
      r.observe(t, progress('downloading', h, 100_000));
    }
    expect(lines[lines.length - 1]).toMatch(/ 200\.0 blocks\/s/);
  });

  it('says the ETA is unknown while nothing is imported', () => {
    const lines: string[] = [];
    const r = new SyncProgressReport({ everyMs: 1_000, log: (l) => lines.push(l) });
    for (let t = 0; t <= 3_000; t += 500) r.observe(t, progress('downloading', 10, 1_000, 1));
    expect(lines[0]).toBe('sync: downloading 10/1000 (1 %), 0.0 blocks/s, ETA unknown, 1 peer');
  });

  it('logs a summary when sync is done, and nothing while synced', () => {
    const lines: string[] = [];
    const r = new SyncProgressReport({ everyMs: 5_000, log: (l) => lines.push(l) });
    r.observe(0, progress('synced', 5, 5));
    expect(lines).toEqual([]);
    r.observe(1_000, progress('downloading', 5, 1_005));
    r.observe(11_000, progress('catching-up', 1_000, 1_005));
    r.observe(12_000, progress('synced', 1_005, 1_005));
    r.observe(13_000, progress('synced', 1_006, 1_006));
    expect(lines).toEqual(['sync: catching-up 1000/1005 (99.5 %), 99.5 blocks/s, ETA 0s, 3 peers', 'sync: done at height 1005: 1000 blocks in 11s (90.9 blocks/s)']);
  });

  it('formats durations and percentages for a person', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(7_260_000)).toBe('2h01m');
    expect(percentOf(9_999, 10_000)).toBe(99.9);
    expect(percentOf(10, 0)).toBe(100);
  });
});
