import { describe, expect, it } from 'vitest';
import { PeakMemory, parseMemorySample } from '../../bench/node-memory.ts';

const MB = 1024 * 1024;
const metrics = (rss: number, used: number) =>
  [
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${rss * MB}`,
    `nodejs_heap_size_total_bytes ${(used + 20) * MB}`,
    `nodejs_heap_size_used_bytes ${used * MB}`,
    `nodejs_external_memory_bytes ${7 * MB}`,
    'nodejs_heap_space_size_used_bytes{space="old"} 1',
  ].join('\n');

describe('the sync benchmark memory sampler', () => {
  it('reads the process and heap gauges from /metrics, and keeps the sample with the most resident memory', () => {
    expect(parseMemorySample(metrics(300, 100))).toEqual({ rssMB: 300, heapUsedMB: 100, heapTotalMB: 120, externalMB: 7 });
    expect(parseMemorySample('alys_sync_current_height 5\n')).toBeUndefined();
    const p = new PeakMemory();
    for (const [rss, used] of [[200, 50], [410, 90], [380, 150]] as const) p.add(parseMemorySample(metrics(rss, used)));
    p.add(undefined);
    expect(p.samples).toBe(3);
    expect(p.peak).toMatchObject({ rssMB: 410, heapUsedMB: 90 });
  });
});
