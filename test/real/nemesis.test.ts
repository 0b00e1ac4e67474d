// `alys devnet --nodes 3 --nemesis` for three minutes on real components: every link through
// Toxiproxy, faults of every kind drawn from the seed (network toxics, partitions, SIGKILL and
// SIGSTOP of nodes, Geth, btcd and governance, a federation rotation), users depositing and
// burning, judged by the simulation's invariants. The run must pass, every fault kind must have been
// injected, its schedule must run in the simulator as a scenario, every node's recording must replay
// on the deterministic scheduler with matches: true, and a Toxiproxy that cannot start must fail the
// run rather than let it pass without faults.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_CLASSES } from '../../harness/nemesis/schedule.ts';
import { runNemesis } from '../../harness/nemesis/run.ts';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');

interface Report {
  seed: string;
  invariants: Record<string, string>;
  ok: boolean;
  reproduce: string;
  faults: Record<string, number>;
  notInjected: string[];
  errors: string[];
  users: Record<string, number>;
  scenarioFile: string;
  dir: string;
  replays: string[];
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [ALYS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

describe('alys devnet --nemesis on real components', () => {
  it('passes three minutes of faults of every kind, judged by the simulation invariants', async () => {
    const { code, out, err } = await run(['devnet', '--nodes', '3', '--nemesis', '--seed', '1', '--duration', '3m', '--keep-records', '--json']);
    const last = out.trim().split('\n').pop() ?? '';
    let report: Report | undefined;
    try {
      report = JSON.parse(last) as Report;
      expect(report.seed).toBe('1');
      expect(report.reproduce).toBe('alys devnet --nodes 3 --nemesis --seed 1 --duration 3m --json');
      expect(report.errors, err).toEqual([]);
      const failing = Object.entries(report.invariants).filter(([, v]) => v !== 'pass');
      // A failure keeps every node's recording, one replay command per start of each node.
      if (failing.length > 0) expect(report.replays.length, JSON.stringify(report.replays)).toBeGreaterThanOrEqual(3);
      expect(failing, `${err}\nreplays:\n${report.replays.join('\n')}`).toEqual([]);
      expect(Object.keys(report.invariants)).toContain('finalized-never-reverted');
      expect(report.ok).toBe(failing.length === 0);
      if (report.ok) expect(code).toBe(0);
      for (const c of FAULT_CLASSES) expect(report.faults[c], `${c}: ${report.notInjected.join('; ')}`).toBeGreaterThan(0);
      expect(report.users.depositsSent).toBeGreaterThan(0);
      expect(report.users.burnsIncluded, JSON.stringify(report.users)).toBeGreaterThan(0);
      // The same schedule on the simulated world.
      expect(existsSync(report.scenarioFile)).toBe(true);
      const sim = spawnSync(process.execPath, [ALYS, 'sim', '--scenario', report.scenarioFile, '--seed', '1', '--json'], { encoding: 'utf8', timeout: 600_000 });
      const simReport = JSON.parse(sim.stdout.trim().split('\n').pop() ?? '{}') as { ok?: boolean; scenario?: string };
      expect(simReport.scenario, sim.stderr).toBe('nemesis-1');
      expect(typeof simReport.ok).toBe('boolean');
      // Each start of each node, recorded under the faults, runs again from its recording alone.
      expect(report.replays.length, JSON.stringify(report.replays)).toBeGreaterThanOrEqual(3);
      for (const command of report.replays) {
        const [, , recording, , keyFile] = command.split(' ') as [string, string, string, string, string];
        const replay = spawnSync(process.execPath, [ALYS, 'replay', recording, '--key-file', keyFile, '--json'], { encoding: 'utf8', timeout: 600_000 });
        const outcome = JSON.parse(replay.stdout.trim().split('\n').pop() ?? '{}') as { matches?: boolean; events?: number };
        expect(outcome.matches, `${command}\n${replay.stdout}${replay.stderr}`).toBe(true);
        expect(outcome.events).toBeGreaterThan(100);
      }
    } finally {
      if (report !== undefined) rmSync(report.dir, { recursive: true, force: true });
      else expect.fail(`no report: exit ${code}\n${err}\n${last}`);
    }
  }, 1_500_000);

  it('fails loudly, with no fault skipped into a pass, when Toxiproxy cannot start', async () => {
    // A toxiproxy-server that exits at once stands in for one that cannot start.
    const dir = mkdtempSync(join(tmpdir(), 'alys-notoxi-'));
    let report: Awaited<ReturnType<typeof runNemesis>> | undefined;
    try {
      const fake = join(dir, 'toxiproxy-server');
      writeFileSync(fake, '#!/bin/sh\necho "cannot bind" >&2\nexit 1\n');
      chmodSync(fake, 0o755);
      report = await runNemesis({ nodes: 3, seed: '2', durationMs: 90_000, log: () => undefined, reproduce: 'test', toxiproxyBin: fake });
      expect(report.ok).toBe(false);
      expect(report.errors.join('\n')).toMatch(/toxiproxy-server could not start .*cannot bind/);
      expect(Object.values(report.faults).every((n) => n === 0)).toBe(true);
      expect(report.checks).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (report !== undefined) rmSync(report.dir, { recursive: true, force: true });
    }
  });
});
