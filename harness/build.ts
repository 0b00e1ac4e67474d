// Builds Geth, btcd and toxiproxy-server from the Go modules pinned in harness/go/go.mod into
// harness/bin (ignored by git), each once: a binary is up to date when the module versions Go
// recorded in it (`go version -m`) are the ones go.mod pins, so adding a pin for one component
// never rebuilds the others, and a changed pin rebuilds exactly the binaries built from it. A
// failure says what failed, with Go's own output.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const harnessDir = import.meta.dirname;
export const binDir = join(harnessDir, 'bin');
const goDir = join(harnessDir, 'go');

const targets = [
  { name: 'geth', pkg: 'github.com/ethereum/go-ethereum/cmd/geth' },
  { name: 'btcd', pkg: 'github.com/btcsuite/btcd' },
  { name: 'toxiproxy-server', pkg: 'github.com/Shopify/toxiproxy/v2/cmd/server' },
] as const;

export type Component = (typeof targets)[number]['name'];

export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}

export function binaryPath(name: Component): string {
  return join(binDir, name);
}

/** Module path → version, as harness/go/go.mod requires them. */
function pins(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(goDir, 'go.mod'), 'utf8').split('\n')) {
    const m = /^\s*(?:require\s+)?([\w.~/-]+\.[\w.~/-]+)\s+(v\S+)/.exec(line);
    if (m !== null) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

const goInstalled = (): boolean => {
  try {
    execFileSync('go', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

/**
 * True when the binary exists and every module Go recorded in it is at the version go.mod pins.
 * Without Go nothing can be rebuilt, so a binary that exists is taken as it is.
 */
function upToDate(name: Component, pinned: Map<string, string>, go: boolean): boolean {
  const path = binaryPath(name);
  if (!existsSync(path)) return false;
  if (!go) return true;
  let info: string;
  try {
    info = execFileSync('go', ['version', '-m', path], { stdio: 'pipe', maxBuffer: 16 * 1024 * 1024 }).toString();
  } catch {
    return false;
  }
  const modules = info.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[0] === 'mod' || f[0] === 'dep');
  return modules.length > 0 && modules.every((f) => pinned.get(f[1] as string) === f[2]);
}

function stale(): Component[] {
  const pinned = pins();
  const go = goInstalled();
  return targets.filter((t) => !upToDate(t.name, pinned, go)).map((t) => t.name);
}

/** True when every binary is built from the current pins. */
export function binariesReady(): boolean {
  return stale().length === 0;
}

/** Builds what is missing or stale; returns the binaries' paths. Throws a HarnessError saying why not. */
export function ensureBinaries(log: (line: string) => void = () => undefined): Record<Component, string> {
  const paths = { geth: binaryPath('geth'), btcd: binaryPath('btcd'), 'toxiproxy-server': binaryPath('toxiproxy-server') };
  const todo = stale();
  if (todo.length === 0) return paths;
  if (!goInstalled()) throw new HarnessError(`Go is not installed (or not on PATH): it builds ${todo.join(', ')} from harness/go/go.mod`);
  mkdirSync(binDir, { recursive: true });
  for (const t of targets.filter((x) => todo.includes(x.name))) {
    log(`harness: building ${t.name} (${t.pkg}) — the first build takes a few minutes`);
    try {
      execFileSync('go', ['build', '-o', binaryPath(t.name), t.pkg], { cwd: goDir, stdio: 'pipe', env: { ...process.env, GOFLAGS: '-mod=mod' }, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new HarnessError(`building ${t.name} failed: ${e.stderr?.toString().slice(-2_000) ?? e.message}`);
    }
  }
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
