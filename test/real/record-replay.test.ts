// Record and replay of a production node's IO (issue 16): `alys node --record DIR` against a real
// Geth, merged-mined and asked over JSON-RPC, stopped cleanly; then restarted from its LevelDB with a
// second recording and SIGKILLed. `alys replay` runs each recording again on the deterministic
// scheduler and must report matches: true. An edited recording (one Engine API answer changed)
// diverges; a truncated one is refused with one line naming the file and offset; no recording holds
// the JWT secret or the authority key. Fails, never skips.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type NodeProcess, backgroundMiner, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';
import { tempDir } from '../../harness/temp-dirs.ts';
import { codeFingerprint } from '../../src/io/prod/record/code-fingerprint.ts';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');
const SEED = '51'.repeat(32);
let geth: GethProcess;
let node: NodeProcess | undefined;
let configPath = '';
const recordings = tempDir('alys-recordings-');
const first = join(recordings, 'first');
const second = join(recordings, 'second');

interface ReplayReport {
  matches: boolean;
  entries: number;
  events: number;
  complete: boolean;
  divergence?: { entry: number; recorded: unknown; replayed: unknown };
  code: { recordedBy: string | null; replayedBy: string; same: boolean };
}

function replay(dir: string): { status: number | null; report?: ReplayReport; stderr: string } {
  const r = spawnSync(process.execPath, [ALYS, 'replay', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stderr: r.stderr, ...(r.stdout.trim() !== '' ? { report: JSON.parse(r.stdout) as ReplayReport } : {}) };
}

const journalText = (dir: string): string =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');

describe('record and replay of a production node', () => {
  beforeAll(async () => {
    geth = await startGeth();
    configPath = writeNodeConfig(geth, { authority: true, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs: Math.floor(Date.now() / 1_000) * 1_000 }).configPath;
  }, 300_000);
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await geth?.stop();
  });

  it('replays a recorded run of a producing, mined, queried node with matches: true', async () => {
    node = await startRecovered(configPath, undefined, { recordDir: first });
    const n = node;
    const m = backgroundMiner(() => n, 1_000);
    try {
      await waitFor('10 blocks', async () => ((await n.call<{ height: number }>('getheadblock')).height >= 10 ? true : undefined), 120_000);
      await n.call('status');
      await n.call('getblockbyheight', [3]);
    } finally {
      m.stop();
    }
    await n.stop('SIGTERM');
    node = undefined;
    const r = replay(first);
    expect(r.stderr).toBe('');
    expect(r.report).toMatchObject({ matches: true, complete: true });
    expect(r.report?.events).toBeGreaterThan(100);
    // The recording names the code that made it: this code.
    expect(r.report?.code).toEqual({ recordedBy: codeFingerprint(), replayedBy: codeFingerprint(), same: true });
    expect(r.status).toBe(0);
  }, 300_000);

  it('replays the recording of a node restarted from disk and killed with SIGKILL', async () => {
    node = await startRecovered(configPath, undefined, { recordDir: second });
    const n = node;
    const start = (await n.call<{ height: number }>('getheadblock')).height;
    await waitFor('5 more blocks', async () => ((await n.call<{ height: number }>('getheadblock')).height >= start + 5 ? true : undefined), 60_000);
    await n.stop('SIGKILL');
    node = undefined;
    const r = replay(second);
    expect(r.report).toMatchObject({ matches: true, complete: false });
    expect(r.status).toBe(0);
  }, 300_000);

  it('reports an edited recording as diverging, after the edited answer', () => {
    const file = join(first, 'journal-000001.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    // The tenth newPayload answer becomes INVALID: the node then decides differently.
    const calls = new Map<number, string>();
    let edited = -1;
    let seen = 0;
    lines.forEach((line, i) => {
      if (line === '' || edited >= 0) return;
      const e = JSON.parse(line) as { k: string; id?: number; name?: string; v?: unknown };
      if (e.k === 'call' && e.id !== undefined && e.name !== undefined) calls.set(e.id, e.name);
      if (e.k === 'ret' && e.id !== undefined && calls.get(e.id) === 'engine.newPayload' && ++seen === 10) {
        lines[i] = JSON.stringify({ ...e, v: { status: 'INVALID', validationError: 'edited' } });
        edited = i;
      }
    });
    expect(edited).toBeGreaterThan(0);
    // As if another version of the code had recorded it: the report says so.
    expect(lines[0]).toContain(`"code":"${codeFingerprint()}"`);
    lines[0] = (lines[0] as string).replace(codeFingerprint(), 'src:0123456789abcdef');
    const copy = join(recordings, 'edited');
    spawnSync('cp', ['-r', first, copy]);
    writeFileSync(join(copy, 'journal-000001.ndjson'), lines.join('\n'));
    const r = replay(copy);
    expect(r.status).toBe(1);
    expect(r.report?.matches).toBe(false);
    // Entry 0 is the header and lines are entries: the divergence comes after the edited answer.
    expect(r.report?.divergence?.entry).toBeGreaterThan(edited);
    expect(r.report?.code).toEqual({ recordedBy: 'src:0123456789abcdef', replayedBy: codeFingerprint(), same: false });
    const text = spawnSync(process.execPath, [ALYS, 'replay', copy], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(text.stdout).toContain(`note: recorded by src:0123456789abcdef, replayed by ${codeFingerprint()}: a divergence may come from the change`);
  });

  it('refuses a truncated recording with one line naming the file and the offset', () => {
    const copy = join(recordings, 'truncated');
    spawnSync('cp', ['-r', first, copy]);
    const file = join(copy, 'journal-000001.ndjson');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const r = spawnSync(process.execPath, [ALYS, 'replay', copy], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^alys: ${file.replace(/[/.]/g, '\\$&')}: (ends in the middle of an entry \\(truncated\\)|not a JSON entry \\(corrupt or truncated\\)) at byte \\d+\\n$`));
  });

  it('keeps no secret in a recording: not the JWT secret, not the authority key seed', () => {
    const jwt = readFileSync(geth.jwtPath, 'utf8').trim().replace(/^0x/, '');
    const keySeed = readFileSync(join(dirname(configPath), 'authority.key'), 'utf8').trim();
    for (const dir of [first, second]) {
      const text = journalText(dir);
      expect(text.length).toBeGreaterThan(1_000);
      expect(text).not.toContain(jwt);
      expect(text).not.toContain(keySeed);
    }
  });
});
