// Starting and stopping a real process for the tests and the devnet: free loopback ports chosen at
// run time, stdout/stderr kept (the last lines go into any error), readiness polled, and a stop that
// sends SIGTERM, then SIGKILL if the process does not go.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { HarnessError } from './build.ts';
import { ownChild } from './temp-dirs.ts';

/** Ports this process handed out: the kernel may give a just-closed port again at once. */
const handedOut = new Set<number>();

/** A loopback port free now, never one this process handed out before (two of them may go to one process). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await anyFreePort();
    if (handedOut.has(p)) continue;
    handedOut.add(p);
    return p;
  }
  throw new Error('no free loopback port not handed out already');
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export function startProcess(name: string, bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunningProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  ownChild(child);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  return { name, child, output: () => out, stop: () => stopWith('SIGTERM'), kill9: () => stopWith('SIGKILL') };
}

/** Polls `ready` until it resolves true; fails with the process's last output after `timeoutMs`. */
export async function waitReady(p: RunningProcess, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (p.child.exitCode !== null) throw new HarnessError(`${p.name} exited with code ${p.child.exitCode}:\n${p.output().slice(-3_000)}`);
    try {
      if (await ready()) return;
    } catch {
      // not yet
    }
    if (Date.now() - start > timeoutMs) throw new HarnessError(`${p.name} not ready after ${timeoutMs} ms:\n${p.output().slice(-3_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
