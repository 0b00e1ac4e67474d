// What a harness leaves behind when its process ends: the processes it started (Geth, btcd, nodes)
// and their temporary directories (Geth's chain data alone is over a gigabyte). At exit the
// processes still running are killed first (they would otherwise write into directories being
// removed, and outlive the run), then the directories are removed. SIGINT, SIGTERM and SIGHUP end
// the process through the same exit, so a benchmark stopped by a CI timeout or Ctrl-C cleans up
// too; before, the signal killed the harness and left both behind. ALYS_KEEP_TMP=1 keeps the
// directories for a post-mortem.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
const children = new Set<ChildProcess>();
let hooked = false;

const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    killChildren();
    removeTempDirs();
  });
  // Under vitest the runner owns signals and ends its workers itself; each test file cleans up in
  // an after-hook (test/setup/remove-temp-dirs.ts).
  if (process.env.VITEST !== undefined) return;
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) process.once(signal, () => process.exit(code));
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  hook();
  return dir;
}

/** A process this harness started: SIGKILLed at exit if it is still running then. */
export function ownChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  hook();
}

function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

export function removeTempDirs(): void {
  if (process.env.ALYS_KEEP_TMP === '1') return;
  for (const dir of created.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      // A process that outlived its test may still be writing there: say so, never fail the run.
      process.stderr.write(`could not remove ${dir}: ${(err as Error).message}\n`);
    }
  }
}
