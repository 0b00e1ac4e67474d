// `alys node` started the wrong way (issue 11): each bad start prints one line with no stack trace,
// exits with status 2, and exits (a missing key file once left the node holding its libp2p port and
// its data directory's lock for ever). Runtime failures (a port in use, a locked data directory, an
// execution client that never answers) release what the node had opened: the test takes the same
// ports and the same lock right after. No Geth is needed: every case fails before one would be used.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';

const ALYS = join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs');
const dir = mkdtempSync(join(tmpdir(), 'alys-bad-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, text);
  return path;
}

const jwt = file('jwt.hex', 'ab'.repeat(32));
const key = file('authority.key', '51'.repeat(32));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

function config(over: Record<string, unknown> = {}, deadPort = 1): Record<string, unknown> {
  return {
    dataDir: join(dir, `data-${n++}`),
    chain: { genesisTimeMs: 1_700_000_000_000, authorities: ['aa'.repeat(48)] },
    authorityKeyFile: key,
    execution: { engineUrl: `http://127.0.0.1:${deadPort}`, rpcUrl: `http://127.0.0.1:${deadPort}`, jwtSecretFile: jwt, startupTimeoutMs: 1_500 },
    network: { listen: '/ip4/127.0.0.1/tcp/0' },
    rpc: { listen: '127.0.0.1:0' },
    ...over,
  };
}

/** Runs `alys node` and waits for it to exit by itself; a node still running after 60 s fails the test. */
function runNode(configText: string): Promise<{ status: number | null; stderr: string; stdout: string }> {
  const path = file('node.json', configText);
  const child = spawn(process.execPath, [ALYS, 'node', '--config', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const hang = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ status: null, stderr: `${stderr}\n(test: still running after 60 s, killed)`, stdout });
    }, 60_000);
    child.once('exit', (status) => {
      clearTimeout(hang);
      resolve({ status, stderr, stdout });
    });
  });
}

async function expectOneLine(configText: string, mentions: string | RegExp): Promise<string> {
  const r = await runNode(configText);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^alys: /);
  expect(lines[0]).toMatch(mentions);
  expect(r.stdout).not.toContain('"ready"');
  return lines[0] as string;
}

const json = (c: Record<string, unknown>): string => JSON.stringify(c, null, 2);

describe.concurrent('alys node: bad configs are one line, exit 2, before anything starts', () => {
  it('a missing authorityKeyFile', async () => {
    const missing = join(dir, 'no-such.key');
    await expectOneLine(json(config({ authorityKeyFile: missing })), `authorityKeyFile ${missing}: no such file`);
  });

  it('an authorityKeyFile that holds no key', async () => {
    await expectOneLine(json(config({ authorityKeyFile: file('bad.key', 'hello') })), /authorityKeyFile .*: must hold 32 bytes as hex/);
  });

  it('missing files: JWT secret, bitcoin cookie, governance TLS CA', async () => {
    await expectOneLine(json(config({ execution: { ...(config().execution as object), jwtSecretFile: join(dir, 'nope.hex') } })), /execution\.jwtSecretFile .*nope\.hex: no such file/);
    await expectOneLine(json(config({ bitcoin: { url: 'http://127.0.0.1:1', cookieFile: join(dir, 'nope.cookie') } })), /bitcoin\.cookieFile .*nope\.cookie: no such file/);
    const governance = { address: '127.0.0.1:1', token: 't', tlsCaFile: join(dir, 'nope.pem'), federation: { publicKeys: ['02'.repeat(33)], threshold: 1 } };
    await expectOneLine(json(config({ governance })), /governance\.tlsCaFile .*nope\.pem: no such file/);
  });

  it('a config that is not JSON, named with line and column', async () => {
    const text = json(config()).replace('"chain"', 'chain');
    await expectOneLine(text, /node\.json:3:3: not JSON: /);
  });

  it('a config file that does not exist', async () => {
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [ALYS, 'node', '--config', join(dir, 'none.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('exit', (status) => resolve({ status, stderr }));
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`alys: ${join(dir, 'none.json')}: cannot read the config: no such file\n`);
  });

  it('unknown and misspelled fields', async () => {
    await expectOneLine(json(config({ network: { lisen: '/ip4/127.0.0.1/tcp/0' } })), 'unknown field network.lisen');
  });

  it('network.listen that is not a multiaddr, rpc.listen that is not host:port', async () => {
    await expectOneLine(json(config({ network: { listen: '127.0.0.1:4001' } })), /invalid field network\.listen: '127\.0\.0\.1:4001' is not a multiaddr/);
    await expectOneLine(json(config({ rpc: { listen: '127.0.0.1:70000' } })), /invalid field rpc\.listen: '127\.0\.0\.1:70000' is not host:port/);
  });
});

describe('alys node: start-up failures release what they opened and exit', () => {
  it('a libp2p port in use', async () => {
    const { port, server } = await occupy();
    try {
      await expectOneLine(json(config({ network: { listen: `/ip4/127.0.0.1/tcp/${port}` } })), `network.listen /ip4/127.0.0.1/tcp/${port}: address already in use`);
    } finally {
      server.close();
    }
  });

  it('an RPC port in use, after the data directory was opened: the lock is released', async () => {
    const { port, server } = await occupy();
    const c = config({ rpc: { listen: `127.0.0.1:${port}` } });
    try {
      await expectOneLine(json(c), `rpc.listen 127.0.0.1:${port}: address already in use`);
    } finally {
      server.close();
    }
    const db = new ClassicLevel(join(c.dataDir as string, 'db'));
    await db.open();
    await db.close();
  });

  it('a data directory another node is using', async () => {
    const c = config();
    const db = new ClassicLevel(join(c.dataDir as string, 'db'));
    await db.open();
    try {
      await expectOneLine(json(c), `another node is using ${c.dataDir as string}`);
    } finally {
      await db.close();
    }
  });

  it('an execution client that never answers: says which URL and for how long, then frees ports and lock', async () => {
    const dead = await freePort();
    const rpcPort = await freePort();
    const p2pPort = await freePort();
    const c = config({ network: { listen: `/ip4/127.0.0.1/tcp/${p2pPort}` }, rpc: { listen: `127.0.0.1:${rpcPort}` } }, dead);
    await expectOneLine(json(c), new RegExp(`execution client http://127\\.0\\.0\\.1:${dead} not reachable after \\d+\\.\\d s: ECONNREFUSED$`));
    for (const port of [rpcPort, p2pPort]) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((r) => s.close(() => r()));
    }
    const db = new ClassicLevel(join(c.dataDir as string, 'db'));
    await db.open();
    await db.close();
  });
});
