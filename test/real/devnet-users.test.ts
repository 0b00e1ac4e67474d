// `npm start` on real components runs users: `alys devnet` deposits on btcd and burns on Geth (a
// wallet's requestPegOut call) every few seconds, and its status line shows deposits minted and burns
// paid; at start it prints the confirmation count, the minimum peg-out and the federation address.
// With --no-users nobody deposits or burns. Reads only what the devnet prints.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');

async function runDevnet(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [ALYS, 'devnet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-5_000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const dir = /^devnet: directory (\S+) /m.exec(out)?.[1];
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  return { code, out, err };
}

/** Each node's best peg figures over all status lines: minted, found, rejected, paid, operations. */
function pegFigures(out: string): Array<{ minted: number; found: number; rejected: number; paid: number; ops: number }> {
  const best: Array<{ minted: number; found: number; rejected: number; paid: number; ops: number }> = [];
  for (const line of out.split('\n').filter((l) => /^n0 h\d+/.test(l))) {
    line.split(' | ').forEach((cell, i) => {
      const m = /peg-in (\d+)\/(\d+)(?: \((\d+) rejected\))? peg-out (\d+)\/(\d+)/.exec(cell);
      if (m === null) return;
      const [minted, found, rejected, paid, ops] = [m[1], m[2], m[3] ?? '0', m[4], m[5]].map(Number) as [number, number, number, number, number];
      const b = best[i] ?? { minted: 0, found: 0, rejected: 0, paid: 0, ops: 0 };
      best[i] = { minted: Math.max(b.minted, minted), found: Math.max(b.found, found), rejected: Math.max(b.rejected, rejected), paid: Math.max(b.paid, paid), ops: Math.max(b.ops, ops) };
    });
  }
  return best;
}

describe('alys devnet on real components: its users', () => {
  it('deposits and burns every few seconds: the status line shows deposits minted and burns paid', async () => {
    const { code, out, err } = await runDevnet(['--nodes', '2', '--duration', '100s']);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^devnet: peg: deposits to bcrt1\w+ \(with an OP_RETURN naming the EVM address\) are minted after 2 Bitcoin confirmations; burns \(requestPegOut on 0xbBbB…bBbB\) of at least 1000000 sat \(0\.01 BTC\) are paid, less the Bitcoin fee$/m);
    expect(out).toMatch(/^devnet: users deposit on btcd and burn on Geth every few seconds/m);
    expect(out).toMatch(/^devnet: user deposited 5000000 sat on btcd [0-9a-f]{64} for 0x/m);
    expect(out).toMatch(/^devnet: user burned \d+ sat to bcrt1\w+ \(requestPegOut 0x[0-9a-f]{64}\)$/m);
    const figures = pegFigures(out);
    const last = out.split('\n').filter((l) => /^n0 h\d+/.test(l)).pop();
    console.log(`last status line: ${last}`);
    expect(figures, out.slice(-3_000)).toHaveLength(2);
    for (const f of figures) {
      expect(f.minted, last).toBeGreaterThanOrEqual(2);
      expect(f.paid, last).toBeGreaterThanOrEqual(1);
    }
  }, 600_000);

  it('with --no-users nobody deposits or burns', async () => {
    const { code, out, err } = await runDevnet(['--nodes', '1', '--duration', '30s', '--no-users']);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^devnet: no users \(--no-users\)/m);
    expect(out).not.toMatch(/^devnet: user /m);
    const lines = out.split('\n').filter((l) => /^n0 h\d+/.test(l) && / peg-in /.test(l));
    expect(lines.length, out.slice(-3_000)).toBeGreaterThan(5);
    for (const l of lines) expect(l).toMatch(/peg-in 0\/0 peg-out 0\/0$/);
  }, 300_000);
});
