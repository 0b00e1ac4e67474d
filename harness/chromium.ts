// Debian's chromium, headless, for the report's real-browser test: found on the PATH, installed
// with apt-get when missing and we are root, and otherwise a loud error saying how to get it. Each
// run gets its own profile directory, removed afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export class ChromiumUnavailable extends Error {
  constructor(reason: string) {
    super(`chromium is needed for the report's browser test and is missing: ${reason} (install it with: apt-get install -y chromium)`);
    this.name = 'ChromiumUnavailable';
  }
}

/** The chromium binary, installing Debian's package first when it is missing and we may. */
export function ensureChromium(): string {
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) throw new ChromiumUnavailable('not installed, and this process is not root so it cannot install it');
  const apt = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync('apt-get', args, { encoding: 'utf8', timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let r = apt(['install', '-y', '--no-install-recommends', 'chromium']);
  // A fresh machine may have no package lists yet.
  if (r.status !== 0) r = apt(['update']).status === 0 ? apt(['install', '-y', '--no-install-recommends', 'chromium']) : r;
  const installed = candidates.find((p) => existsSync(p));
  if (r.status !== 0 || installed === undefined) {
    const why = r.error?.message ?? String(r.stderr ?? '').trim().split('\n').pop() ?? `exit ${r.status}`;
    throw new ChromiumUnavailable(`apt-get install chromium failed: ${why}`);
  }
  return installed;
}

export interface ChromiumRun {
  readonly stdout: string;
  /** Chromium's log, with the page's console messages (an uncaught error in a page script shows here). */
  readonly stderr: string;
}

/** Runs headless chromium on one local file with the given extra flags (--dump-dom, --screenshot=…). */
export function headless(binary: string, file: string, flags: readonly string[]): ChromiumRun {
  const profile = mkdtempSync(join(tmpdir(), 'alys-chromium-'));
  try {
    const r = spawnSync(
      binary,
      [
        '--headless',
        // Root cannot use chromium's sandbox; the page is our own file.
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-extensions',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        // Scripts run to completion before the DOM is dumped or the picture taken.
        '--virtual-time-budget=10000',
        ...flags,
        `file://${file}`,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error !== undefined) throw new Error(`chromium did not run: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
