// Which code a recording was made by: a digest of the node's sources (every file under src/, by
// path and content). A replay runs the code it is started from; when that is not the code that
// recorded, a divergence may be the change and not the incident, and the report says so.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

let cached: string | undefined;

/** "src:" and the first 16 hex digits of the digest of the sources this process runs. */
export function codeFingerprint(): string {
  if (cached !== undefined) return cached;
  const h = createHash('sha256');
  for (const f of files(SRC).sort()) {
    h.update(new TextEncoder().encode(`${relative(SRC, f)}\0`));
    h.update(readFileSync(f));
    h.update(new Uint8Array(1));
  }
  cached = `src:${h.digest('hex').slice(0, 16)}`;
  return cached;
}
