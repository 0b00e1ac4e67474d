// `npm start`'s real path: `alys devnet` on real components (three authorities, each with its own
// Geth, over libp2p, with btcd and the governance server) produces and finalizes blocks; its status
// lines are what this test reads.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');

describe('alys devnet on real components', () => {
  it('runs three authorities that fill their slots and finalize', async () => {
    const child = spawn(process.execPath, [ALYS, 'devnet', '--nodes', '3', '--duration', '40s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-5_000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, err).toBe(0);
    expect(out).toMatch(/on real components/);
    const lines = out.split('\n').filter((l) => /^n0 h\d+/.test(l));
    expect(lines.length).toBeGreaterThan(10);
    const last = lines[lines.length - 1] as string;
    const cells = last.split(' | ').map((c) => /^n(\d) h(\d+) f(\d+) peers (\d+)/.exec(c));
    expect(cells).toHaveLength(3);
    for (const c of cells) {
      expect(c, last).not.toBeNull();
      expect(Number(c?.[2])).toBeGreaterThanOrEqual(8);
      expect(Number(c?.[3])).toBeGreaterThanOrEqual(2);
      expect(Number(c?.[4])).toBe(2);
    }
  }, 300_000);
});
