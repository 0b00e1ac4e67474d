// Bad input on the command line: one clear line on stderr, exit status 2, never a stack trace.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../harness/temp-dirs.ts';
import { describe, expect, it } from 'vitest';

function alys(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['bin/alys.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function expectUsageError(r: ReturnType<typeof alys>, mentions: string): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(mentions);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('alys sim bad input', () => {
  it('rejects an unknown scenario name', () => {
    expectUsageError(alys('sim', '--scenario', 'no-such-scenario'), "unknown scenario 'no-such-scenario'");
  });

  it('rejects a negative seed and a non-numeric seed', () => {
    expectUsageError(alys('sim', '--seed', '-3'), '--seed');
    expectUsageError(alys('sim', '--seed', 'abc'), "--seed must be a non-negative integer, got 'abc'");
  });

  it('rejects an unknown planted bug', () => {
    expectUsageError(alys('sim', '--plant-bug', 'no-such-bug'), "unknown planted bug 'no-such-bug'");
  });

  it('names the field path of a scenario file that fails the schema', () => {
    const dir = tempDir('alys-scenario-');
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', nodes: 3, durationMs: 1000, network: { loss: 7 } }));
    expectUsageError(alys('sim', '--scenario', file), 'network.loss');
    writeFileSync(file, '{ not json');
    expectUsageError(alys('sim', '--scenario', file), 'is not JSON');
  });

  it('rejects a malformed duration and an unknown flag', () => {
    expectUsageError(alys('sim', '--duration', 'ten minutes'), '--duration');
    expectUsageError(alys('sim', '--frobnicate'), 'frobnicate');
  });

  it('lists scenarios and planted bugs', () => {
    const list = alys('sim', '--list');
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n')).toContain('toy-chaos');
    const bugs = alys('sim', '--list-bugs');
    expect(bugs.status).toBe(0);
    expect(bugs.stdout).toContain('deliver-twice');
  });
});

describe('alys sim runs', () => {
  it('prints one JSON object last, with the fields a reproduction needs', () => {
    const r = alys('sim', '--seed', '5', '--scenario', 'toy-partition-heal', '--json');
    expect(r.status).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    for (const key of ['seed', 'scenario', 'traceHash', 'simulatedMs', 'wallMs', 'events', 'invariants', 'ok', 'reproduce']) {
      expect(last).toHaveProperty(key);
    }
    expect(last.reproduce).toBe('alys sim --seed 5 --scenario toy-partition-heal');
    expect(Object.values(last.invariants).every((v) => v === 'pass')).toBe(true);
  });

  it('--check-determinism runs the seed twice and compares hashes', () => {
    const r = alys('sim', '--check-determinism', '--seed', '9', '--scenario', 'toy-byzantine', '--duration', '5s', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.deterministic).toBe(true);
    expect(out.hashes[0]).toBe(out.hashes[1]);
  });

  it('--seeds reports failing seeds with reproduce commands and exits non-zero', () => {
    const r = alys('sim', '--seeds', '2', '--scenario', 'toy-happy', '--duration', '3s', '--plant-bug', 'deliver-twice');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED seed 1: kernel-exactly-once/);
    expect(r.stdout).toContain('reproduce: alys sim --seed 1 --scenario toy-happy --duration 3000ms --plant-bug deliver-twice --swarm');
    const report = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(report.failures).toHaveLength(2);
    expect(report.probes).toHaveProperty('toy.leader-elected');
  });

  it('--trace writes every delivery and IO event as JSONL', () => {
    const dir = tempDir('alys-trace-');
    const file = join(dir, 'out.jsonl');
    const r = alys('sim', '--seed', '2', '--scenario', 'toy-happy', '--duration', '2s', '--trace', file, '--json');
    expect(r.status).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.k === 'deliver')).toBe(true);
    expect(lines.some((l) => l.k === 'net.send')).toBe(true);
    expect(lines.some((l) => l.k === 'disk.write')).toBe(true);
  });

  it('--schedule replays a shrunk failing case', () => {
    const schedule = JSON.stringify([{ kind: 'partition', at: 3000, groups: [['n0', 'n1'], ['n2', 'n3', 'n4']], durationMs: 4000 }]);
    const r = alys('sim', '--seed', '1', '--scenario', 'toy-happy', '--duration', '20s', '--schedule', schedule, '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.faults).toBe(1);
    expect(out.reproduce).toContain('--schedule');
    expectUsageError(alys('sim', '--schedule', '[{"kind":"crash","at":-1,"node":"n0"}]'), '--schedule: invalid field 0.at');
  });
});
