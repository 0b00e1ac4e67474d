// Where a node's memory is, read from its /metrics (prom-client's process and Node.js gauges): the
// sync benchmark samples the follower every few seconds and keeps the sample with the most resident
// memory, so a peak reads as heap, buffers outside the heap, or neither (code, worker threads,
// LevelDB, allocator slack).

export interface MemorySample {
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  /** Buffers and other memory V8 tracks outside its heap (ArrayBuffers included). */
  readonly externalMB: number;
}

const MB = 1024 * 1024;

function gauge(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** The sample in a /metrics text; undefined when a gauge is missing. */
export function parseMemorySample(text: string): MemorySample | undefined {
  const rss = gauge(text, 'process_resident_memory_bytes');
  const used = gauge(text, 'nodejs_heap_size_used_bytes');
  const total = gauge(text, 'nodejs_heap_size_total_bytes');
  const external = gauge(text, 'nodejs_external_memory_bytes');
  if (rss === undefined || used === undefined || total === undefined || external === undefined) return undefined;
  return { rssMB: rss / MB, heapUsedMB: used / MB, heapTotalMB: total / MB, externalMB: external / MB };
}

/** Keeps the sample with the most resident memory. */
export class PeakMemory {
  private best: MemorySample | undefined;
  samples = 0;

  add(s: MemorySample | undefined): void {
    if (s === undefined) return;
    this.samples++;
    if (this.best === undefined || s.rssMB > this.best.rssMB) this.best = s;
  }

  get peak(): MemorySample | undefined {
    return this.best;
  }
}
