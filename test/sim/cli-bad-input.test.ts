// Bad input on the command line: one clear line on stderr, exit status 2, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const dir = mkdtempSync(join(tmpdir(), 'alys-scenario-'));
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
