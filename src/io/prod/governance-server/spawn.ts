// Starts `alys governance` as a child process and waits for its ready line, for tests, benchmarks
// and devnets that need a real governance server on a loopback port. If the process exits or stays
// silent instead, the promise rejects with its stderr, so a caller never mistakes "no server" for
// "server said nothing wrong".
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALYS_BIN = fileURLToPath(new URL('../../../../bin/alys.mjs', import.meta.url));

export interface GovernanceProcess {
  readonly child: ChildProcess;
  /** host:port the server bound. */
  readonly listening: string;
  /** The federation's P2WSH address. */
  readonly address: string;
  /** Everything the server wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  /** Signals the process and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnGovernanceOptions {
  readonly token: string;
  readonly statePath: string;
  readonly keysPath: string;
  readonly listen?: string;
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export function spawnGovernanceServer(o: SpawnGovernanceOptions): Promise<GovernanceProcess> {
  const args = [ALYS_BIN, 'governance', '--listen', o.listen ?? '127.0.0.1:0', '--token', o.token, '--state', o.statePath, '--keys', o.keysPath, ...(o.extraArgs ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`governance server did not report ready within ${o.readyTimeoutMs ?? 30_000} ms; stderr:\n${err}`));
    }, o.readyTimeoutMs ?? 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`governance server exited (code ${code}, signal ${signal}) before it was ready; stderr:\n${err}${out}`));
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{') && l.includes('"listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout.resume();
      const ready = JSON.parse(line) as { listening: string; address: string };
      resolve({ child, listening: ready.listening, address: ready.address, stderr: () => err, stop });
    });
  });
}
