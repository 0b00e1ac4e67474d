// `npm start`'s real path: `alys devnet` on real components (three authorities, each with its own
// Geth, over libp2p, with btcd and the governance server) produces and finalizes blocks; its status
// lines are what this test reads, as are the lines that tell an operator, per node, its RPC URL, peer
// id, libp2p addresses and log file, and where the logs are at the end.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
    const dir = /^devnet: directory (\S+) /m.exec(out)?.[1];
    try {
      expect(code, err).toBe(0);
      expect(out).toMatch(/on real components/);
      expect(dir, out).toBeDefined();
      const logs = join(dir as string, 'logs');
      for (const i of [0, 1, 2]) {
        const peerId = new RegExp(`^devnet: n${i} peer id (12D3Koo\\w+)$`, 'm').exec(out)?.[1];
        expect(peerId, out).toBeDefined();
        expect(out).toMatch(new RegExp(`^devnet: n${i} rpc +http://127\\.0\\.0\\.1:\\d+$`, 'm'));
        expect(out).toMatch(new RegExp(`^devnet: n${i} libp2p +/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}$`, 'm'));
        const log = join(logs, `n${i}.log`);
        expect(out).toContain(`devnet: n${i} log     ${log}\n`);
        expect(existsSync(log)).toBe(true);
        expect(readFileSync(log, 'utf8')).toContain(peerId);
      }
      expect(out.trim().split('\n').pop()).toBe(`devnet: stopped; node logs in ${logs}`);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
    // The last line on which every node answered in time (a slow one shows as "?").
    const lines = out.split('\n').filter((l) => /^n0 h\d+/.test(l) && !/ \?( |$)| down( |$)/.test(l));
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
