// The CLI around swarms across machines: `alys sim merge` of shard reports (exit status, bad files
// named in one line), JUnit XML that CI systems can read whatever the failure text holds, and bad
// --shard / --workers values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { junitXml, xmlEscape } from '../../sim/junit.ts';
import { type SeedResult, type SwarmRun, summarize } from '../../sim/swarm-report.ts';
import { parseShard } from '../../sim/swarm-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'alys-swarm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alys(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['bin/alys.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

const run: SwarmRun = { scenario: 'toy-chaos', scenarioRef: 'toy-chaos', bugs: ['lose-on-restart'], swarm: true, range: { first: 1, count: 4 } };
const reproduce = (seed: number): string => `alys sim --seed ${seed} --scenario toy-chaos --plant-bug lose-on-restart --swarm --schedule '[{"kind":"isolate","at":1,"node":"n0"}]'`;
function seed(n: number, fail: boolean): SeedResult {
  return {
    seed: n,
    traceHash: `hash${n}`,
    verdict: fail ? 'fail' : 'pass',
    failed: fail ? { 'kernel-conservation': 'fail: message #3 to n0/raft <vanished> & "gone" \u0001' } : {},
    reproduce: reproduce(n),
    events: 100 * n,
    simulatedMs: 1_000,
    wallMs: 10,
    faults: n,
    probes: { 'fault.crash': n % 2, 'toy.log-repaired': 0 },
  };
}

describe('alys sim merge', () => {
  it('merges shard reports into the whole, fails on any failing seed, writes JUnit, and names a bad file in one line', () => {
    const a = summarize(run, { firstSeed: 1, seeds: 2, shard: { index: 1, of: 2 } }, [seed(1, false), seed(2, true)], 50);
    const b = summarize(run, { firstSeed: 3, seeds: 2, shard: { index: 2, of: 2 } }, [seed(3, false), seed(4, false)], 70);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const junit = join(dir, 'all.xml');
    const out = join(dir, 'all.json');
    const r = alys('sim', 'merge', join(dir, 'b.json'), join(dir, 'a.json'), '--junit', junit, '--out', out);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAILED seed 2: kernel-conservation');
    expect(r.stdout).toContain('coverage gaps (probes that never fired): toy.log-repaired');
    expect(r.stdout).toContain('3/4 seeds passed');
    const merged = JSON.parse(readFileSync(out, 'utf8'));
    expect(merged.results.map((x: SeedResult) => x.seed)).toEqual([1, 2, 3, 4]);
    expect(merged.probes).toEqual({ 'fault.crash': 2, 'toy.log-repaired': 0 });
    expect(merged.probeSeeds).toEqual({ 'fault.crash': 2, 'toy.log-repaired': 0 });
    expect(merged.wallMs).toBe(70);
    expect(readFileSync(junit, 'utf8')).toContain('name="seed 2"');

    writeFileSync(join(dir, 'bad.json'), '{"format":"alys-swarm-report/1","results":[]}');
    const bad = alys('sim', 'merge', join(dir, 'a.json'), join(dir, 'bad.json'));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`${join(dir, 'bad.json')}: not a swarm report`);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 600_000);
});

describe('JUnit XML', () => {
  it('has one test case per seed, the reproduce command in the failure message, and every special character escaped', () => {
    const report = summarize(run, { firstSeed: 1, seeds: 4 }, [seed(1, false), seed(2, true), seed(3, false)], 1_234);
    const xml = junitXml(report);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('<testsuites name="alys sim" tests="4" failures="1" skipped="1" time="1.234">');
    expect(xml).toContain('name="seed 4" time="0"><skipped message="not run"/>');
    const failure = /<failure type="invariant" message="([^"]*)">([^<]*)<\/failure>/.exec(xml);
    expect(failure).not.toBeNull();
    const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(unescape(failure?.[1] ?? '')).toBe(`seed 2 failed kernel-conservation; reproduce: ${reproduce(2)}`);
    expect(unescape(failure?.[2] ?? '')).toContain('<vanished> & "gone" ');
    expect(xml).not.toContain('\u0001');
    // Outside markup, no raw special character is left.
    const text = xml.replace(/<[^>]*>/g, '');
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    expect(xmlEscape(`a<b>&"c"'d'\u0000`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
  });
});

describe('swarm flags', () => {
  it('names a bad --workers, --shard without a swarm, and --shrink with --seeds, in one line each', () => {
    for (const [args, says] of [
      [['--seeds', '2', '--workers', '0'], "--workers must be a positive integer, got '0'"],
      [['--shard', '1/2'], '--shard goes with --seeds N'],
      [['--seeds', '2', '--shrink'], '--shrink takes one failing seed'],
      [['--seeds', '2', '--shard', '3/2'], '--shard must be i/n'],
    ] as const) {
      const r = alys('sim', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 600_000);
});

describe('--shard', () => {
  it('takes i/n with 1 <= i <= n and names anything else', () => {
    expect(parseShard('3/10')).toEqual({ index: 3, of: 10 });
    for (const bad of ['0/3', '4/3', '3', '1/0', 'a/b', '-1/3', '1/3/4']) expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });
});
