// Canaries: each runtime trap is shown to fire (throwing a DeterminismViolation that names the API and
// recording it with the stack of the offending call), uninstall restores every original, and stray
// timers are virtualised rather than real.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as nodeCrypto from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../../harness/temp-dirs.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { yieldMacrotask } from '../../src/kernel/macrotask.ts';
import { DeterminismViolation, type Traps, installDeterminismTraps } from '../../src/io/sim/determinism/index.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { runSimulation } from '../../sim/runner.ts';

let traps: Traps | undefined;
afterEach(() => {
  traps?.uninstall();
  traps = undefined;
});

const canaries: Record<string, () => unknown> = {
  'Math.random': () => Math.random(),
  'Date.now': () => Date.now(),
  'new Date()': () => new Date(),
  'Date()': () => (Date as unknown as () => string)(),
  'performance.now': () => performance.now(),
  'process.hrtime': () => process.hrtime(),
  'process.hrtime.bigint': () => process.hrtime.bigint(),
  'crypto.getRandomValues': () => globalThis.crypto.getRandomValues(new Uint8Array(4)),
  'crypto.randomUUID': () => globalThis.crypto.randomUUID(),
  'crypto.randomBytes': () => nodeCrypto.randomBytes(4),
  'fs.readFileSync': () => fs.readFileSync('package.json'),
  'fs.writeFileSync': () => fs.writeFileSync(join(tmpdir(), 'alys-canary'), 'x'),
  'fs.promises.readFile': () => fs.promises.readFile('package.json'),
  'net.Socket.connect': () => new net.Socket().connect(1, '127.0.0.1'),
  'net.Server.listen': () => net.createServer().listen(0),
  'dgram.createSocket': () => dgram.createSocket('udp4'),
  'http.request': () => http.request('http://127.0.0.1:1/'),
};

describe('determinism traps', () => {
  for (const [api, call] of Object.entries(canaries)) {
    it(`${api} fires its trap with the offending stack`, async () => {
      traps = installDeterminismTraps();
      let thrown: unknown;
      try {
        const r = call();
        if (r instanceof Promise) await r;
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(DeterminismViolation);
      expect((thrown as DeterminismViolation).api).toBe(api);
      expect(traps.violations).toHaveLength(1);
      expect(traps.violations[0]?.api).toBe(api);
      expect(traps.violations[0]?.stack).toContain('traps.test.ts');
    });
  }

  it('uninstall restores the originals', () => {
    traps = installDeterminismTraps();
    traps.uninstall();
    traps = undefined;
    expect(typeof Math.random()).toBe('number');
    expect(Date.now()).toBeGreaterThan(0);
    expect(new Date().getFullYear()).toBeGreaterThan(2000);
    expect(fs.readFileSync('package.json', 'utf8')).toContain('alys');
    expect(nodeCrypto.randomBytes(2)).toHaveLength(2);
  });

  it('lets an explicit new Date(value) through: formatting virtual time is deterministic', () => {
    traps = installDeterminismTraps();
    expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(traps.violations).toHaveLength(0);
  });

  it('virtualises stray timers: they fire in virtual time, never in real time, and are counted', async () => {
    traps = installDeterminismTraps();
    let fired = 0;
    setTimeout(() => fired++, 100);
    await yieldMacrotask();
    await yieldMacrotask();
    expect(fired).toBe(0);
    traps.advanceFakeTimers(99);
    expect(fired).toBe(0);
    traps.advanceFakeTimers(100);
    expect(fired).toBe(1);
    expect(traps.strayTimers.count).toBe(1);
    expect(traps.strayTimers.stacks[0]).toContain('traps.test.ts');
  });

  it('a stray timer set after virtual time moved on counts from that time', () => {
    traps = installDeterminismTraps();
    traps.advanceFakeTimers(5_000);
    let fired = 0;
    setTimeout(() => fired++, 100);
    traps.advanceFakeTimers(5_099);
    expect(fired).toBe(0);
    traps.advanceFakeTimers(5_100);
    expect(fired).toBe(1);
  });

  it('keeps the kernel macrotask yield working while fake timers are installed', async () => {
    traps = installDeterminismTraps();
    await expect(yieldMacrotask()).resolves.toBeUndefined();
  });

  it('bypass lets the simulator write its own files', () => {
    traps = installDeterminismTraps();
    const dir = traps.bypass(() => tempDir('alys-bypass-'));
    traps.bypass(() => fs.writeFileSync(join(dir, 'trace.jsonl'), '{}\n'));
    expect(traps.violations).toHaveLength(0);
  });

  it('fails a whole simulation run that reaches for Math.random, naming the call site', async () => {
    const r = await runSimulation({ scenario: loadScenario('toy-happy'), seed: 3, durationMs: 3_000, bugs: ['toy-ambient-random'] });
    expect(r.ok).toBe(false);
    expect(r.invariants.determinism).toMatch(/^fail: Math\.random called during simulation at .*raft-actor\.ts/);
    expect(r.violationStack).toContain('DeterminismViolation');
    expect(r.violationStack).toContain('raft-actor.ts');
  });
});
