// The HTML report of one run: the observer that samples the timeline never changes the run (same
// trace hash, same events), and what it samples is what the scenario did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { simCommand } from '../../sim/cli.ts';
import { faultBands } from '../../sim/report/fault-bands.ts';
import { runPage } from '../../sim/report/run-page.ts';
import { runReport } from '../../sim/report/run-report.ts';
import { TimelineSampler } from '../../sim/report/timeline.ts';
import { runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { expectSelfContained } from './self-contained.ts';

const dir = mkdtempSync(join(tmpdir(), 'alys-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function observed(ref: string, seed: number, extra: { durationMs?: number; swarm?: boolean } = {}) {
  const scenario = loadScenario(ref);
  const plain = await runSimulation({ scenario, scenarioRef: ref, seed, ...extra });
  const sampler = new TimelineSampler();
  const watched = await runSimulation({ scenario, scenarioRef: ref, seed, ...extra, observe: sampler });
  return { plain, watched, sampler, scenario };
}

describe('run report', () => {
  it('observing partition-heal changes nothing, and the timeline shows its two partitions', async () => {
    const { plain, watched, sampler } = await observed('partition-heal', 1);
    expect(watched.traceHash).toBe(plain.traceHash);
    expect(watched.events).toBe(plain.events);
    expect(watched.invariants).toEqual(plain.invariants);

    const tl = sampler.timeline();
    expect(tl.nodes.map((n) => n.id)).toEqual(['n0', 'n1', 'n2', 'n3']);
    // Every simulated 500 ms, from the first step to the end of the run.
    expect(tl.times.length).toBe(plain.simulatedMs / 500);
    expect(tl.times.every((t, i) => i === 0 || t - (tl.times[i - 1] as number) === 500)).toBe(true);
    const at = (ms: number): number => tl.times.indexOf(ms);
    const sides = (ms: number): number[] => tl.nodes.map((n) => n.side[at(ms)] as number);
    expect(sides(5_000)).toEqual([0, 0, 0, 0]);
    expect(sides(15_000)).toEqual([0, 0, 1, 1]);
    expect(sides(50_000)).toEqual([0, 0, 0, 1]);
    expect(sides(100_000)).toEqual([0, 0, 0, 0]);
    expect(tl.nodes.every((n) => n.up.every(Boolean))).toBe(true);
    // The 2/2 split stalls the chain; the 3/1 split stalls only n3, which catches up after the heal.
    const n0 = tl.nodes[0]?.head ?? [];
    const n3 = tl.nodes[3]?.head ?? [];
    expect(n0[at(24_000)]).toBe(n0[at(12_000)]);
    expect((n0[at(59_000)] as number) - (n0[at(42_000)] as number)).toBeGreaterThan(4);
    expect(n3[at(59_000)]).toBe(n3[at(42_000)]);
    expect(n3[at(100_000)]).toBeGreaterThanOrEqual((n0[at(100_000)] as number) - 1);
    expect(tl.faults.map((f) => [f.kind, f.startMs, f.endMs])).toEqual([
      ['partition', 10_000, 25_000],
      ['partition', 40_000, 60_000],
    ]);
    expect(tl.net.sent.some((x) => x > 0)).toBe(true);
    expect(tl.net.dropped.slice(at(12_000), at(24_000)).some((x) => x > 0)).toBe(true);
    expect(tl.peg).toBeUndefined();

    const html = runPage(runReport(watched, sampler.scenario(), tl));
    expectSelfContained(html);
    expect(html.match(/data-invariant="/g)?.length).toBe(Object.keys(watched.invariants).length);
    expect(html).toContain('alys sim --seed 1 --scenario partition-heal');
  });

  it('observing a bridge run changes nothing and counts its peg operations by state', async () => {
    const { plain, watched, sampler } = await observed('peg-cycle', 2, { durationMs: 60_000 });
    expect(watched.traceHash).toBe(plain.traceHash);
    expect(watched.events).toBe(plain.events);
    const peg = sampler.timeline().peg;
    expect(peg).toBeDefined();
    const last = (state: string): number => peg?.counts[state]?.at(-1) ?? 0;
    expect(last('deposit minted')).toBeGreaterThan(0);
    expect(last('deposit sent') + last('deposit minted')).toBeGreaterThan(last('deposit minted'));
  });

  it('observing a swarm-drawn chaos seed changes nothing', async () => {
    const { plain, watched, sampler } = await observed('chain-chaos', 3, { swarm: true, durationMs: 40_000 });
    expect(watched.traceHash).toBe(plain.traceHash);
    expect(watched.events).toBe(plain.events);
    expect(sampler.timeline().faults.length).toBe(watched.faults);
  });

  it('an observer that did touch the world would show in the trace hash', async () => {
    const scenario = loadScenario('toy-happy');
    const plain = await runSimulation({ scenario, seed: 1, durationMs: 5_000 });
    const meddler = new TimelineSampler();
    const step = meddler.step.bind(meddler);
    let done = false;
    meddler.step = (world, now) => {
      if (!done && now >= 1_000) world.scheduleFault({ kind: 'heal', at: now });
      done ||= now >= 1_000;
      step(world, now);
    };
    const touched = await runSimulation({ scenario, seed: 1, durationMs: 5_000, observe: meddler });
    expect(touched.traceHash).not.toBe(plain.traceHash);
  });

  it('a planted bug: the invariant it breaks is timed at its first failure', async () => {
    const scenario = loadScenario('toy-partition-heal');
    const sampler = new TimelineSampler();
    const r = await runSimulation({ scenario, seed: 1, bugs: ['leaky-partition'], observe: sampler });
    expect(r.invariants['network-partition-respected']).toMatch(/^fail: /);
    const report = runReport(r, scenario, sampler.timeline());
    const row = report.invariants[0];
    expect(row?.name).toBe('network-partition-respected');
    expect(row?.verdict).toBe('fail');
    expect(row?.firstFailedMs).toBe(r.failedAt?.timeMs);
    expect(report.ok).toBe(false);
  });

  it('alys sim --report writes the page; --report with a swarm is refused', async () => {
    const out = join(dir, 'toy.html');
    const lines: string[] = [];
    const code = await simCommand(['--seed', '2', '--scenario', 'toy-partition-heal', '--report', out, '--json'], (l) => lines.push(l));
    const result = JSON.parse(lines.at(-1) ?? '{}') as { ok: boolean; traceHash: string };
    expect(code).toBe(result.ok ? 0 : 1);
    const html = readFileSync(out, 'utf8');
    expectSelfContained(html);
    expect(html).toContain(result.traceHash);
    await expect(simCommand(['--seeds', '2', '--report', out], () => undefined)).rejects.toThrow(UsageError);
  });
});

describe('fault bands', () => {
  it('span each fault until it heals: its duration, a heal or restart, or the end of the run; events are instants', () => {
    const bands = faultBands(
      [
        { kind: 'world', at: 9_000, action: 'bitcoin-reorg' },
        { kind: 'partition', at: 1_000, groups: [['n0'], ['n1']] },
        { kind: 'heal', at: 4_000 },
        { kind: 'crash', at: 2_000, node: 'n1' },
        { kind: 'restart', at: 7_000, node: 'n1' },
        { kind: 'world', at: 3_000, action: 'governance-down', durationMs: 2_000 },
        { kind: 'clock-skew', at: 5_000, node: 'n0', skewMs: 300 },
      ],
      20_000,
    );
    expect(bands.map((b) => [b.label, b.startMs, b.endMs, b.nodes.join(',')])).toEqual([
      ['partition n0 | n1', 1_000, 4_000, 'n0,n1'],
      ['crash n1', 2_000, 7_000, 'n1'],
      ['governance-down for 2000ms', 3_000, 5_000, ''],
      ['heal', 4_000, 4_000, ''],
      ['skew n0 by 300ms', 5_000, 20_000, 'n0'],
      ['restart n1', 7_000, 7_000, 'n1'],
      ['bitcoin-reorg', 9_000, 9_000, ''],
    ]);
  });
});
