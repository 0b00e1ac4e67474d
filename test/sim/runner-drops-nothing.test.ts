// The runner drops nothing: a scenario naming an invariant its app does not check is refused with
// the field's path, a failure of an invariant the scenario did not list still fails the run, an
// exception thrown out of the code under test is a `crash` with its stack (not a determinism
// failure), and kernel conservation is judged at the end of every run, not only at restarts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelChecker } from '../../sim/chaos/kernel-checker.ts';
import { checkInvariantNames, listInvariants } from '../../sim/invariant-registry.ts';
import { runSimulation } from '../../sim/runner.ts';
import { parseScenario } from '../../sim/scenario.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import type { Envelope } from '../../src/kernel/message.ts';

const envelope = (id: number): Envelope => ({ id, msg: { type: 'ping' }, from: 'a', sentAt: 0, traceId: id, correlationId: undefined, reply: undefined }) as unknown as Envelope;

describe('the runner drops nothing', () => {
  it('refuses an unknown invariant name, naming the field path', () => {
    const s = parseScenario({ name: 'x', app: 'toy', nodes: 3, durationMs: 1_000, invariants: ['election-safety', 'no-such-check'] });
    expect(() => checkInvariantNames(s, 'x.json')).toThrow("x.json: invalid field invariants.1: unknown invariant 'no-such-check' for app toy");
    const m = parseScenario({ name: 'y', app: 'chain', nodes: 4, durationMs: 1_000, mayFail: ['election-safety'] });
    expect(() => checkInvariantNames(m, 'y.json')).toThrow('invalid field mayFail.0');
  });

  it('the CLI refuses such a scenario file in one line, and lists invariants and bugs as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alys-inv-'));
    try {
      const file = join(dir, 'typo.json');
      writeFileSync(file, JSON.stringify({ name: 'typo', app: 'toy', nodes: 3, durationMs: 1_000, invariants: ['livenes'] }));
      const r = spawnSync(process.execPath, ['bin/alys.mjs', 'sim', '--scenario', file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("invalid field invariants.0: unknown invariant 'livenes'");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const inv = spawnSync(process.execPath, ['bin/alys.mjs', 'sim', '--list-invariants', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(inv.stdout)).toEqual(listInvariants());
    const bugs = JSON.parse(spawnSync(process.execPath, ['bin/alys.mjs', 'sim', '--list-bugs', '--json'], { encoding: 'utf8', timeout: 60_000 }).stdout) as Array<Record<string, unknown>>;
    expect(bugs.find((b) => b.name === 'deliver-twice')).toEqual({ name: 'deliver-twice', app: 'toy', scenario: 'toy-happy', catches: ['kernel-exactly-once'] });
  });

  it('a failure of an invariant the scenario does not list still fails the run', async () => {
    const s = { ...loadScenario('toy-happy'), invariants: ['election-safety'] };
    const r = await runSimulation({ scenario: s, seed: 1, bugs: ['deliver-twice'], durationMs: 30_000 });
    expect(r.invariants['kernel-exactly-once']).toMatch(/^fail: /);
    expect(r.ok).toBe(false);
  });

  it('an exception thrown out of the code under test is a crash, with its stack', async () => {
    const r = await runSimulation({ scenario: loadScenario('toy-byzantine'), seed: 1, bugs: ['toy-throw-on-garbage'] });
    expect(r.ok).toBe(false);
    expect(r.invariants.crash).toMatch(/^fail: Error: toy: undecodable message from byz/);
    expect(r.invariants.determinism).toBe('pass');
    expect(r.violationStack).toContain('raft-actor.ts');
  });

  it('kernel conservation: at the end, what was sent and not delivered or dropped must still be queued', () => {
    const k = new KernelChecker(() => 0);
    const probe = k.probeFor('n0');
    probe.enqueued('a', envelope(1));
    probe.enqueued('a', envelope(2));
    probe.enqueued('a', envelope(3));
    probe.delivered('a', envelope(1));
    probe.dropped('a', envelope(2), 'dropped-oldest');
    k.finish({ nodes: new Set(['n0']), queued: new Map([['n0/a', [3]]]) });
    expect(k.failures.size).toBe(0);
    expect(k.exits.get('dropped-oldest')).toBe(1);
    k.finish({ nodes: new Set(['n0']), queued: new Map([['n0/a', []]]) });
    expect(k.failures.get('kernel-conservation')).toMatch(/message #3 to n0\/a was neither delivered, dropped with a reason nor still queued/);
  });
});
