// `alys sim report FILE --html out.html`: a swarm report rendered as tables, from the JSON `--out`
// writes (every seed listed) or the report `--seeds N --json` prints (totals only).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { simCommand } from '../../sim/cli.ts';
import { parseSwarmInput } from '../../sim/report/swarm-input.ts';
import { swarmPage } from '../../sim/report/swarm-page.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSwarm } from '../../sim/swarm.ts';
import { summarize } from '../../sim/swarm-report.ts';
import { expectSelfContained } from './self-contained.ts';

const dir = mkdtempSync(join(tmpdir(), 'alys-swarm-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shape `alys sim --seeds N --out FILE` writes (format alys-swarm-report/1): every seed listed. */
const outReport = {
  format: 'alys-swarm-report/1',
  scenario: 'toy-chaos',
  scenarioRef: 'toy-chaos',
  bugs: ['lose-on-restart'],
  swarm: true,
  range: { first: 1, count: 3 },
  seeds: 3,
  firstSeed: 1,
  failures: [{ seed: 2, reproduce: 'alys sim --seed 2 --scenario toy-chaos --plant-bug lose-on-restart --swarm', failed: { 'kernel-conservation': 'fail: a message vanished' } }],
  probes: { 'fault.crash': 4, 'fault.partition': 0, 'kernel.restart': 2 },
  probeSeeds: { 'fault.crash': 2, 'fault.partition': 0, 'kernel.restart': 1 },
  gaps: ['fault.partition'],
  missing: [],
  simulatedMs: 180_000,
  wallMs: 4_200,
  ok: false,
  results: [1, 2, 3].map((seed) => ({
    seed,
    traceHash: `hash${seed}`,
    verdict: seed === 2 ? 'fail' : 'pass',
    failed: seed === 2 ? { 'kernel-conservation': 'fail: a message vanished' } : {},
    reproduce: `alys sim --seed ${seed} --scenario toy-chaos --plant-bug lose-on-restart --swarm`,
    events: 1000 + seed,
    simulatedMs: 60_000,
    wallMs: 1_400,
    faults: seed,
    probes: {},
  })),
};

describe('swarm report', () => {
  it('renders a report that lists every seed: failures, each seed and probe coverage', () => {
    const html = swarmPage(parseSwarmInput(JSON.stringify(outReport), 'out.json'));
    expectSelfContained(html);
    expect(html.match(/data-seed="/g)?.length).toBe(3);
    expect(html).toContain('data-failed-seed="2"');
    expect(html).toContain('hash3');
    expect(html).toContain('alys sim --seed 2 --scenario toy-chaos --plant-bug lose-on-restart --swarm');
    expect(html.match(/data-probe="/g)?.length).toBe(3);
    expect(html).toMatch(/<tr class="gap" data-probe="fault.partition">/);
    expect(html).toContain('1 never fired');
  });

  it('renders what runSwarm reports today, and the stdout of alys sim --seeds N', async () => {
    const report = await runSwarm({ scenario: loadScenario('toy-happy'), scenarioRef: 'toy-happy', firstSeed: 4, seeds: 2, bugs: [], durationMs: 3_000 });
    const json = JSON.stringify(report);
    const html = swarmPage(parseSwarmInput(json, 'r.json'));
    expect(html).toContain('seeds 4–5');
    expect(html.match(/data-probe="/g)?.length).toBe(Object.keys(report.probes).length);
    const stdout = `ok   seed 4 toy-happy: …\nok   seed 5 toy-happy: …\n2/2 seeds passed\n${json}\n`;
    expect(parseSwarmInput(stdout, 'stdout.txt')).toEqual(parseSwarmInput(json, 'r.json'));
  });

  it('reads what sim/swarm-report.ts writes for --out', () => {
    const run = { scenario: 'toy-chaos', scenarioRef: 'toy-chaos', bugs: [], swarm: true, range: { first: 1, count: 3 } };
    const written = summarize(run, { firstSeed: 1, seeds: 3 }, outReport.results as Parameters<typeof summarize>[2], 4_200);
    const read = parseSwarmInput(JSON.stringify(written), 'out.json');
    expect(read.results?.map((r) => [r.seed, r.traceHash, r.verdict])).toEqual([
      [1, 'hash1', 'pass'],
      [2, 'hash2', 'fail'],
      [3, 'hash3', 'pass'],
    ]);
    expect(read.failures.map((f) => f.seed)).toEqual([2]);
  });

  it('bad input: one line naming the file and the field', () => {
    expect(() => parseSwarmInput('not json at all', 'x.json')).toThrow(/^x\.json: no JSON swarm report in it/);
    expect(() => parseSwarmInput(JSON.stringify({ ...outReport, failures: 3 }), 'y.json')).toThrow('y.json: not a swarm report (alys sim --seeds N --out FILE): invalid field failures');
    expect(() => parseSwarmInput(JSON.stringify({ ...outReport, results: [{ seed: 1 }] }), 'z.json')).toThrow('invalid field results.0.traceHash');
  });

  it('alys sim report FILE --html out.html', async () => {
    const file = join(dir, 'swarm.json');
    const out = join(dir, 'swarm.html');
    writeFileSync(file, JSON.stringify(outReport));
    const lines: string[] = [];
    expect(await simCommand(['report', file, '--html', out], (l) => lines.push(l))).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('data-failed-seed="2"');
    expect(lines).toEqual([`wrote ${out}`]);
    await expect(simCommand(['report', file], () => undefined)).rejects.toThrow(UsageError);
    await expect(simCommand(['report', join(dir, 'missing.json'), '--html', out], () => undefined)).rejects.toThrow(/cannot read .*missing\.json: ENOENT/);
  });
});
