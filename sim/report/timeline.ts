// The timeline of one run, sampled every `everyMs` of simulated time: each node's heights, whether
// it is up and its partition side; the network's traffic; the bridge's peg operations by state.
// Sampling happens between steps and only reads, so it never alters the run (see observer.ts).
import type { World } from '../world.ts';
import { type FaultBand, faultBands } from './fault-bands.ts';
import { heightsOf } from './node-heights.ts';
import type { RunObserver, RunStart } from './observer.ts';
import { partitionSides } from './partition-sides.ts';
import { pegCounts, pegStates } from './peg-states.ts';

export interface NodeSeries {
  readonly id: string;
  readonly byzantine: boolean;
  /** null where the node was down or still recovering. */
  readonly head: Array<number | null>;
  readonly finalized: Array<number | null>;
  readonly up: boolean[];
  readonly side: number[];
}

export interface Timeline {
  readonly app: string;
  readonly everyMs: number;
  readonly durationMs: number;
  /** Sample times (ms of simulated time). */
  readonly times: number[];
  readonly nodes: NodeSeries[];
  /** Per sample: messages sent, delivered and dropped per second since the previous sample. */
  readonly net: { readonly sent: number[]; readonly delivered: number[]; readonly dropped: number[] };
  /** The bridge's peg operations by state (per sample); absent for the other apps. */
  readonly peg?: { readonly states: readonly string[]; readonly counts: Record<string, number[]> };
  readonly faults: FaultBand[];
  /** Each invariant's first failure, in simulated ms, with its reason. */
  readonly firstFailures: Record<string, { readonly timeMs: number; readonly reason: string }>;
}

export class TimelineSampler implements RunObserver {
  private run: RunStart | undefined;
  private next: number;
  private last = { t: 0, sent: 0, delivered: 0, dropped: 0 };
  private readonly out: { times: number[]; nodes: NodeSeries[]; net: Timeline['net']; peg: Record<string, number[]> | undefined; firstFailures: Timeline['firstFailures'] } = {
    times: [],
    nodes: [],
    net: { sent: [], delivered: [], dropped: [] },
    peg: undefined,
    firstFailures: {},
  };

  /** Samples at the first step at or after each multiple of `everyMs` (steps are `checkEveryMs` apart). */
  constructor(private readonly everyMs = 500) {
    this.next = everyMs;
  }

  start(run: RunStart): void {
    this.run = run;
    this.out.nodes = [...run.honest, ...run.byzantine].map((id) => ({ id, byzantine: run.byzantine.includes(id), head: [], finalized: [], up: [], side: [] }));
    if (run.scenario.app === 'bridge') this.out.peg = Object.fromEntries(pegStates.map((s) => [s, []]));
  }

  step(world: World<unknown>, now: number): void {
    if (now < this.next) return;
    this.next = (Math.floor(now / this.everyMs) + 1) * this.everyMs;
    this.sample(world, now);
  }

  invariantFailed(name: string, reason: string, timeMs: number): void {
    this.out.firstFailures[name] ??= { timeMs, reason };
  }

  /** The scenario as it ran (a swarm run's drawn shape). */
  scenario(): RunStart['scenario'] {
    if (this.run === undefined) throw new Error('the scenario was asked for before the run started');
    return this.run.scenario;
  }

  timeline(): Timeline {
    const run = this.run;
    if (run === undefined) throw new Error('the timeline was asked for before the run started');
    const end = this.out.times[this.out.times.length - 1] ?? run.durationMs;
    const peg = this.out.peg === undefined ? {} : { peg: { states: pegStates, counts: this.out.peg } };
    return {
      app: run.scenario.app,
      everyMs: this.everyMs,
      durationMs: end,
      times: this.out.times,
      nodes: this.out.nodes,
      net: this.out.net,
      ...peg,
      faults: faultBands(run.schedule, end),
      firstFailures: this.out.firstFailures,
    };
  }

  private sample(world: World<unknown>, now: number): void {
    const app = this.run?.scenario.app ?? '';
    const snaps = world.snapshots();
    const ids = this.out.nodes.map((n) => n.id);
    const sides = partitionSides(ids, (a, b) => world.network.isCut(a, b));
    this.out.times.push(now);
    this.out.nodes.forEach((series, i) => {
      const snap = snaps.find((s) => s.id === series.id);
      const h = snap?.up === true ? heightsOf(app, snap.view) : undefined;
      series.head.push(h?.head ?? null);
      series.finalized.push(h?.finalized ?? null);
      series.up.push(snap?.up === true);
      series.side.push(sides[i] ?? 0);
    });
    const s = world.network.stats;
    const perSecond = (n: number): number => (now > this.last.t ? Math.round((n * 1000) / (now - this.last.t)) : 0);
    this.out.net.sent.push(perSecond(s.sent - this.last.sent));
    this.out.net.delivered.push(perSecond(s.delivered - this.last.delivered));
    this.out.net.dropped.push(perSecond(s.dropped - this.last.dropped));
    this.last = { t: now, sent: s.sent, delivered: s.delivered, dropped: s.dropped };
    if (this.out.peg !== undefined) {
      const counts = pegCounts(world.shared, snaps);
      for (const state of pegStates) this.out.peg[state]?.push(counts?.[state] ?? 0);
    }
  }
}
