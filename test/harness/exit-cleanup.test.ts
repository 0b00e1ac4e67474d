// A harness stopped by a signal (a CI timeout, Ctrl-C) kills what it started and removes its
// temporary directories, as it does at a normal exit.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

/** Running, not a zombie: a killed child whose parent exited waits for init to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('harness cleanup', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}: the child is killed and the directory removed`, async () => {
      const env = { ...process.env };
      delete env.VITEST;
      const p = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/leave-behind.ts', import.meta.url).pathname], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(p.stdout, 'data')) as [Buffer];
      const { dir, pid } = JSON.parse(line.toString()) as { dir: string; pid: number };
      expect(existsSync(dir)).toBe(true);
      expect(alive(pid)).toBe(true);
      p.kill(signal);
      const [code] = (await once(p, 'exit')) as [number | null];
      expect(code).toBe(signal === 'SIGTERM' ? 143 : 130);
      expect(existsSync(dir)).toBe(false);
      // SIGKILLed at the harness's exit.
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(pid)).toBe(false);
    }, 60_000);
  }
});
