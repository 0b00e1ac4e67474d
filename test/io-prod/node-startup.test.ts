// startNode in this process, failing part-way: what it had opened (the data directory's LevelDB lock,
// the RPC port, the libp2p port) is free again the moment it rejects, not only once the process
// ends. LevelDB refuses a second open of a locked directory within one process too, so opening it
// here proves the node closed it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError, startNode } from '../../src/io/prod/node-runtime.ts';
import { parseNodeConfig } from '../../src/node/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'alys-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const jwt = join(dir, 'jwt.hex');
writeFileSync(jwt, 'ab'.repeat(32));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

async function lockFree(dataDir: string): Promise<boolean> {
  const db = new ClassicLevel(join(dataDir, 'db'));
  try {
    await db.open();
    await db.close();
    return true;
  } catch {
    return false;
  }
}

describe('startNode: a failed start releases what it opened', () => {
  it('an unreachable execution client: the data directory and the RPC port are free again', async () => {
    const dead = await freePort();
    const rpcPort = await freePort();
    const dataDir = join(dir, 'a');
    const config = parseNodeConfig({
      dataDir,
      chain: { genesisTimeMs: 1_700_000_000_000, authorities: ['aa'.repeat(48)] },
      execution: { engineUrl: `http://127.0.0.1:${dead}`, rpcUrl: `http://127.0.0.1:${dead}`, jwtSecretFile: jwt, startupTimeoutMs: 1_000 },
      rpc: { listen: `127.0.0.1:${rpcPort}` },
    });
    // While it waits, the RPC port is already served and says the node is starting.
    const started = startNode(config, () => undefined).catch((e: unknown) => e);
    let answered: unknown;
    for (let i = 0; i < 40 && answered === undefined; i++) {
      answered = await fetch(`http://127.0.0.1:${rpcPort}/`, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"status"}' })
        .then((r) => r.json())
        .catch(() => undefined);
      if (answered === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    const err = await started;
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).resource).toBe('execution');
    if (answered !== undefined) expect(answered).toEqual({ jsonrpc: '2.0', error: { code: -1, message: 'the node is starting' }, id: 1 });
    expect(await bindable(rpcPort)).toBe(true);
    expect(await lockFree(dataDir)).toBe(true);
  });

  it('a libp2p port in use: refused before the data directory is opened', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const dataDir = join(dir, 'b');
    try {
      const config = parseNodeConfig({
        dataDir,
        chain: { genesisTimeMs: 1_700_000_000_000, authorities: ['aa'.repeat(48)] },
        execution: { engineUrl: 'http://127.0.0.1:1', rpcUrl: 'http://127.0.0.1:1', jwtSecretFile: jwt },
        network: { listen: `/ip4/127.0.0.1/tcp/${port}` },
      });
      await expect(startNode(config, () => undefined)).rejects.toThrow(`network.listen /ip4/127.0.0.1/tcp/${port}: address already in use`);
      expect(await lockFree(dataDir)).toBe(true);
    } finally {
      holder.close();
    }
  });
});
