// The operator's view of a sync in progress: one log line every few seconds while the node is behind
// (state, height and target, percent, blocks/s over the last window, ETA, peers) and one summary when
// it is done. It is fed the SyncProgress the sync actor publishes after each message, with the time of
// the node's clock, so it adds no timer and no event: a simulated run's trace is the same with it.
import type { SyncProgress } from './sync-state.ts';

export interface ProgressReportOptions {
  /** At most one progress line per this many milliseconds. */
  readonly everyMs?: number;
  /** The window the blocks/s rate and the ETA are measured over. */
  readonly windowMs?: number;
  readonly log: (line: string) => void;
}

interface Sample {
  readonly atMs: number;
  readonly height: number;
}

const behind = (p: SyncProgress): boolean => (p.state === 'downloading' || p.state === 'catching-up') && p.targetHeight > p.currentHeight;

/** "42s", "3m05s", "2h01m". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Percent of the target reached, rounded down to a tenth, so 99.96 % is not shown as done. */
export function percentOf(current: number, target: number): number {
  if (target <= 0 || current >= target) return 100;
  return Math.floor((current / target) * 1000) / 10;
}

export class SyncProgressReport {
  private readonly everyMs: number;
  private readonly windowMs: number;
  private samples: Sample[] = [];
  private lastLineMs: number | undefined;
  private started: Sample | undefined;

  constructor(private readonly o: ProgressReportOptions) {
    this.everyMs = o.everyMs ?? 5_000;
    this.windowMs = o.windowMs ?? 10_000;
  }

  observe(nowMs: number, p: SyncProgress): void {
    if (!behind(p)) {
      if (this.started !== undefined && p.state === 'synced') this.finish(nowMs, p);
      return;
    }
    if (this.started === undefined) {
      this.started = { atMs: nowMs, height: p.currentHeight };
      this.samples = [];
      this.lastLineMs = undefined;
    }
    this.sample(nowMs, p.currentHeight);
    if (this.lastLineMs !== undefined && nowMs - this.lastLineMs < this.everyMs) return;
    // The first line waits for a full interval too: a rate measured over no time is noise.
    if (this.lastLineMs === undefined && nowMs - this.started.atMs < this.everyMs) return;
    this.lastLineMs = nowMs;
    this.o.log(this.line(p));
  }

  private sample(nowMs: number, height: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && last.atMs === nowMs) this.samples[this.samples.length - 1] = { atMs: nowMs, height };
    else this.samples.push({ atMs: nowMs, height });
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    while (this.samples.length > 2 && (this.samples[1]?.atMs ?? nowMs) <= nowMs - this.windowMs) this.samples.shift();
  }

  /** Blocks per second over the window; 0 before two samples. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.atMs <= first.atMs) return 0;
    return ((last.height - first.height) * 1000) / (last.atMs - first.atMs);
  }

  private line(p: SyncProgress): string {
    const rate = this.rate();
    const remaining = p.targetHeight - p.currentHeight;
    const eta = rate > 0 ? formatDuration((remaining / rate) * 1000) : 'unknown';
    return `sync: ${p.state} ${p.currentHeight}/${p.targetHeight} (${percentOf(p.currentHeight, p.targetHeight)} %), ${rate.toFixed(1)} blocks/s, ETA ${eta}, ${p.peerCount} peer${p.peerCount === 1 ? '' : 's'}`;
  }

  private finish(nowMs: number, p: SyncProgress): void {
    const start = this.started;
    this.started = undefined;
    if (start === undefined) return;
    const blocks = p.currentHeight - start.height;
    const ms = nowMs - start.atMs;
    const rate = ms > 0 ? (blocks * 1000) / ms : 0;
    this.o.log(`sync: done at height ${p.currentHeight}: ${blocks} blocks in ${formatDuration(ms)} (${rate.toFixed(1)} blocks/s)`);
  }
}
