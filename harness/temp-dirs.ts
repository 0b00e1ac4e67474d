// Temporary directories of the processes a harness starts (Geth's chain data alone is over a
// gigabyte): removed when the harness's own process exits, so repeated test runs do not fill the
// disk. ALYS_KEEP_TMP=1 keeps them for a post-mortem.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
let hooked = false;

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeTempDirs);
  }
  return dir;
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
