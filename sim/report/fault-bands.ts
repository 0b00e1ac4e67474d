// A fault schedule as bands over the timeline: when each fault started, when it healed (or the end
// of the run, if nothing heals it), and the nodes it touched.
import { type Fault, describeFault } from '../chaos/faults.ts';

export interface FaultBand {
  readonly kind: Fault['kind'];
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Nodes the fault names; empty for a fault of the whole network or world. */
  readonly nodes: readonly string[];
}

export function faultBands(schedule: readonly Fault[], endOfRunMs: number): FaultBand[] {
  const sorted = [...schedule].sort((a, b) => a.at - b.at);
  return sorted.map((f) => ({ kind: f.kind, label: describeFault(f), startMs: f.at, endMs: Math.min(endOfRunMs, Math.max(f.at, endOf(f, sorted, endOfRunMs))), nodes: nodesOf(f) }));
}

function endOf(f: Fault, all: readonly Fault[], endOfRunMs: number): number {
  switch (f.kind) {
    case 'partition':
    case 'isolate':
    case 'block-link': {
      if (f.durationMs !== undefined) return f.at + f.durationMs;
      const heal = all.find((g) => g.kind === 'heal' && g.at >= f.at);
      return heal?.at ?? endOfRunMs;
    }
    case 'crash': {
      if (f.restartAfterMs !== undefined) return f.at + f.restartAfterMs;
      const restart = all.find((g) => g.kind === 'restart' && g.node === f.node && g.at >= f.at);
      return restart?.at ?? endOfRunMs;
    }
    case 'clock-skew':
    case 'degrade-network':
    case 'storage-errors':
      return f.durationMs === undefined ? endOfRunMs : f.at + f.durationMs;
    // Without a duration these are events (a Bitcoin reorg, a federation rotation), as healTime has them.
    case 'app':
    case 'world':
      return f.at + (f.durationMs ?? 0);
    case 'heal':
    case 'restart':
    case 'disk-fault':
      return f.at;
  }
}

function nodesOf(f: Fault): string[] {
  switch (f.kind) {
    case 'partition':
      return f.groups.flat();
    case 'block-link':
      return [f.from, f.to];
    case 'isolate':
    case 'crash':
    case 'restart':
    case 'clock-skew':
    case 'storage-errors':
    case 'app':
    case 'disk-fault':
      return [f.node];
    case 'heal':
    case 'degrade-network':
    case 'world':
      return [];
  }
}
