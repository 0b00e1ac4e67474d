// Builds Geth and btcd from the Go modules pinned in harness/go/go.mod into harness/bin (ignored by
// git), once: a stamp of go.mod + go.sum says which pins the binaries were built from, so a later
// run reuses them and a changed pin rebuilds. A failure says what failed, with Go's own output.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const harnessDir = import.meta.dirname;
export const binDir = join(harnessDir, 'bin');
const goDir = join(harnessDir, 'go');

const targets = [
  { name: 'geth', pkg: 'github.com/ethereum/go-ethereum/cmd/geth' },
  { name: 'btcd', pkg: 'github.com/btcsuite/btcd' },
] as const;

export type Component = (typeof targets)[number]['name'];

export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}

function stamp(): string {
  return createHash('sha256').update(readFileSync(join(goDir, 'go.mod'))).update(readFileSync(join(goDir, 'go.sum'))).digest('hex').slice(0, 16);
}

export function binaryPath(name: Component): string {
  return join(binDir, name);
}

/** True when every binary is built from the current pins. */
export function binariesReady(): boolean {
  const s = join(binDir, '.stamp');
  return targets.every((t) => existsSync(binaryPath(t.name))) && existsSync(s) && readFileSync(s, 'utf8') === stamp();
}

/** Builds what is missing or stale; returns the binaries' paths. Throws a HarnessError saying why not. */
export function ensureBinaries(log: (line: string) => void = () => undefined): Record<Component, string> {
  const paths = { geth: binaryPath('geth'), btcd: binaryPath('btcd') };
  if (binariesReady()) return paths;
  try {
    execFileSync('go', ['version'], { stdio: 'pipe' });
  } catch {
    throw new HarnessError('Go is not installed (or not on PATH): it builds Geth and btcd from harness/go/go.mod');
  }
  mkdirSync(binDir, { recursive: true });
  for (const t of targets) {
    log(`harness: building ${t.name} (${t.pkg}) — the first build takes a few minutes`);
    try {
      execFileSync('go', ['build', '-o', binaryPath(t.name), t.pkg], { cwd: goDir, stdio: 'pipe', env: { ...process.env, GOFLAGS: '-mod=mod' }, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new HarnessError(`building ${t.name} failed: ${e.stderr?.toString().slice(-2_000) ?? e.message}`);
    }
  }
  writeFileSync(join(binDir, '.stamp'), stamp());
  return paths;
}

/**
 * promtool (from Debian's prometheus package) checks /metrics in the real-IO suite. CI machines are
 * fresh, so the suite installs it when it is missing and it may (root, apt-get present); otherwise it
 * says how, and the suite fails rather than skipping the check.
 */
export function ensurePromtool(log: (line: string) => void = () => undefined): string {
  const found = (): boolean => {
    try {
      execFileSync('promtool', ['--version'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  if (found()) return 'promtool';
  if (process.getuid?.() !== 0) throw new HarnessError('promtool is missing: install Debian\'s prometheus package (apt-get install prometheus)');
  log('harness: installing promtool (Debian package prometheus)');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new HarnessError(`installing promtool failed: ${e.stderr?.toString().slice(-1_000) ?? e.message}`);
  }
  if (!found()) throw new HarnessError('promtool is still missing after installing the prometheus package');
  return 'promtool';
}
