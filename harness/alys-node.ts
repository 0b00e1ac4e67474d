// Running `alys node` as a real process for the real-IO suite: a config over a real Geth, the ready
// line, JSON-RPC calls, and a CPU miner that merges-mines through createauxblock/submitauxblock.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GethProcess } from './geth.ts';
import { encodeAuxPow } from '../src/auxpow/auxpow.ts';
import { mineAuxPow } from '../src/auxpow/miner.ts';
import { blsScheme } from '../src/crypto/bls.ts';
import { fromHex, toHex } from '../src/types/hex.ts';
import { ownChild, tempDir } from './temp-dirs.ts';

const ALYS = join(import.meta.dirname, '..', 'bin', 'alys.mjs');
const FAULTY_NODE = join(import.meta.dirname, 'faulty-node.ts');

export interface NodeSetup {
  readonly configPath: string;
  readonly dataDir: string;
  readonly authorityPublicKey: string;
}

export function writeNodeConfig(
  geth: GethProcess,
  o: {
    authority: boolean;
    authorities: readonly string[];
    seedHex: string;
    genesisTimeMs: number;
    bootstrap?: readonly string[];
    slotDurationMs?: number;
    bridge?: Record<string, unknown>;
    /** An existing data directory (a prebuilt chain); a fresh one when absent. */
    dataDir?: string;
    maxBlocksWithoutPow?: number;
    sync?: { strategy: 'parallel' | 'sequential' };
  },
): NodeSetup {
  const dir = tempDir('alys-node-');
  const keyFile = join(dir, 'authority.key');
  writeFileSync(keyFile, o.seedHex);
  const config = {
    dataDir: o.dataDir ?? join(dir, 'data'),
    chain: { slotDurationMs: o.slotDurationMs ?? 1_000, genesisTimeMs: o.genesisTimeMs, authorities: o.authorities, maxBlocksWithoutPow: o.maxBlocksWithoutPow ?? 40, auxPowTargetSpacingSlots: 4 },
    ...(o.sync !== undefined ? { sync: o.sync } : {}),
    ...(o.authority ? { authorityKeyFile: keyFile } : {}),
    execution: { engineUrl: geth.engineUrl, rpcUrl: geth.rpcUrl, jwtSecretFile: geth.jwtPath },
    network: { listen: '/ip4/127.0.0.1/tcp/0', bootstrap: o.bootstrap ?? [], identitySeed: o.seedHex },
    rpc: { listen: '127.0.0.1:0' },
    ...(o.bridge ?? {}),
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { configPath, dataDir: config.dataDir, authorityPublicKey: toHex(blsScheme.keyFromSeed(fromHex(o.seedHex)).publicKey) };
}

export const publicKeyOf = (seedHex: string): string => toHex(blsScheme.keyFromSeed(fromHex(seedHex)).publicKey);

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly rpc: string;
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  /** Where the node's log (its stderr and stdout) goes, when it was started with one. */
  readonly logFile: string | undefined;
  output(): string;
  /** One JSON-RPC call; with timeoutMs, a call the node does not answer in time rejects. */
  call<T>(method: string, params?: unknown[], o?: { readonly timeoutMs?: number }): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `faults`: start the node through harness/faulty-node.ts with these arguments (transport faults).
 * `logFile`: also write the node's stderr and stdout there.
 */
export function startNodeProcess(configPath: string, faults?: readonly string[], o: { readonly logFile?: string; readonly recordDir?: string } = {}): Promise<NodeProcess> {
  const record = o.recordDir === undefined ? [] : ['--record', o.recordDir];
  const args = faults === undefined ? [ALYS, 'node', '--config', configPath, ...record] : ['--import', 'tsx', FAULTY_NODE, '--config', configPath, ...faults];
  // Opened before the node starts, so a log file that cannot be written is a clear error here, not
  // an unhandled stream error once the node is running.
  let logFd: number | undefined;
  if (o.logFile !== undefined) {
    try {
      mkdirSync(dirname(o.logFile), { recursive: true });
      logFd = openSync(o.logFile, 'a');
    } catch (e) {
      return Promise.reject(new Error(`node log ${o.logFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    }
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ownChild(child);
  let out = '';
  let err = '';
  const log = logFd === undefined ? undefined : createWriteStream('', { fd: logFd });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-20_000);
    log?.write(d);
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => log?.write(d));
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      if (log === undefined) return r();
      log.end(() => r());
    }),
  );
  return new Promise((resolve, reject) => {
    // Generous: on a loaded 2-core machine loading the TypeScript sources alone takes tens of seconds.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`alys node not ready in 180 s:\n${err}`));
    }, 180_000);
    let ready = false;
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`alys node exited with ${code} before it was ready:\n${err}`));
    });
    child.stdout.on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{') && l.includes('"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      ready = true;
      const r = JSON.parse(line) as { rpc: string; peerId: string; multiaddrs: string[] };
      resolve({
        child,
        rpc: r.rpc,
        peerId: r.peerId,
        multiaddrs: r.multiaddrs,
        logFile: o.logFile,
        output: () => err,
        call: async <T>(method: string, params: unknown[] = [], c: { readonly timeoutMs?: number } = {}): Promise<T> => {
          const res = await fetch(r.rpc, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
            ...(c.timeoutMs !== undefined ? { signal: AbortSignal.timeout(c.timeoutMs) } : {}),
          });
          const body = (await res.json()) as { result?: T; error?: { message: string } };
          if (body.error) throw new Error(`${method}: ${body.error.message}`);
          return body.result as T;
        },
        stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

/**
 * Where mining of each piece of work goes on from. The node hands out the same work while its chain
 * stands still — and it stands still once maxBlocksWithoutPow blocks await a proof — so a miner that
 * started every round at nonce 0 would repeat the same failing nonces for ever.
 */
const nextNonce = new Map<string, number>();
const HASHES_PER_ROUND = 1_000_000;
/**
 * Hashes between two turns of the event loop: a round is a few seconds of CPU, and the harness that
 * mines also watches the devnet (the nemesis's judge and users share its event loop).
 */
const HASHES_PER_SLICE = 25_000;
const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One round of merged mining through the node's JSON-RPC; true when a proof was accepted. */
export async function mineOnce(node: NodeProcess): Promise<boolean> {
  const work = await node.call<{ hash: string; chainid: number; bits: string } | null>('createauxblock', [`0x${'07'.repeat(20)}`]);
  if (work === null) return false;
  const key = `${work.hash}/${work.bits}`;
  const start = nextNonce.get(key) ?? 0;
  if (nextNonce.size > 1_024) nextNonce.clear();
  nextNonce.set(key, start + HASHES_PER_ROUND);
  let mined: ReturnType<typeof mineAuxPow>;
  for (let from = start; from < start + HASHES_PER_ROUND && mined === undefined; from += HASHES_PER_SLICE) {
    mined = mineAuxPow(fromHex(work.hash), work.chainid, Number.parseInt(work.bits, 16), from, HASHES_PER_SLICE);
    if (mined === undefined) await yieldTurn();
  }
  if (mined === undefined) return false;
  return node.call<boolean>('submitauxblock', [work.hash, toHex(encodeAuxPow(mined.auxPow))]);
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Starts the node and waits until it has loaded its chain from disk (getheadblock answers). */
export async function startRecovered(configPath: string, faults?: readonly string[], o: { readonly logFile?: string; readonly recordDir?: string } = {}): Promise<NodeProcess> {
  const n = await startNodeProcess(configPath, faults, o);
  await waitFor('the node to load its chain', () => n.call<{ height: number }>('getheadblock'), 60_000);
  return n;
}

/** Mines in the background while a test waits, as a merged miner would, on whichever node `n` names now. */
export function backgroundMiner(n: () => NodeProcess | undefined, everyMs = 1_500): { stop: () => void } {
  let on = true;
  void (async () => {
    while (on) {
      const cur = n();
      if (cur !== undefined) await mineOnce(cur).catch(() => false);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { stop: () => (on = false) };
}
