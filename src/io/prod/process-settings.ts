// Settings the production node's process needs from its first instruction: glibc reads its malloc
// tunables, and V8 its heap flags, only when a process starts. `alys node` starts again
// in place (execve: same process id, same pipes, same signals) when they are missing.
//
// Why. A real sync of 5,000 blocks of 100 transfers peaked at 376 MB resident in the follower,
// against a goal of 300, with 90 MB of live JavaScript. Two things held the rest:
// - V8 let its old generation fill with dead blocks before a full collection: a block lives for
//   seconds in the sync pipeline, long enough to be promoted, and dies there. --heap-growing-percent
//   starts a full collection once the old generation has grown by a quarter over what the last one
//   kept, instead of by V8's own factor (up to 4 times).
// - glibc kept the memory of freed buffers: malloc_trim(0) from a debugger gave 65 MB back at once.
//   glibc raises its mmap threshold to the largest block it has freed, so buffers up to megabytes
//   end up in its heap, where a few small long-lived allocations keep the heap from shrinking.
//   A fixed threshold of 32 KiB serves larger buffers by mmap, returned to the system when freed.
//   (8 KiB took 30 CPU-seconds more over the same sync, for 10 MB less.)
// Measured: 291 MB at the peak, the node's CPU 59 s against 46 s.
import { report } from 'node:process';

/** glibc malloc tunables (GLIBC_TUNABLES), each kept as the operator set it when already there. */
export const MALLOC_TUNABLES: Readonly<Record<string, string>> = { 'glibc.malloc.mmap_threshold': '32768' };
/** V8 flags, each left out when the operator already passed it (command line or NODE_OPTIONS). */
export const NODE_FLAGS: readonly string[] = ['--heap-growing-percent=25'];

export interface ProcessStart {
  readonly env: NodeJS.ProcessEnv;
  /** Node's own flags this process was started with (process.execArgv). */
  readonly execArgv: readonly string[];
}

/** What a start lacks: the GLIBC_TUNABLES value to set and the flags to add; undefined when nothing. */
export function missingSettings(start: ProcessStart): { readonly tunables: string; readonly flags: readonly string[] } | undefined {
  const current = start.env.GLIBC_TUNABLES ?? '';
  const set = new Set(current.split(':').filter((t) => t !== '').map((t) => t.split('=')[0]));
  const add = Object.entries(MALLOC_TUNABLES).filter(([k]) => !set.has(k));
  const given = [...start.execArgv, ...(start.env.NODE_OPTIONS ?? '').split(/\s+/)].map((f) => f.split('=')[0]);
  const flags = NODE_FLAGS.filter((f) => !given.includes(f.split('=')[0]));
  if (add.length === 0 && flags.length === 0) return undefined;
  const tunables = [current, ...add.map(([k, v]) => `${k}=${v}`)].filter((t) => t !== '').join(':');
  return { tunables, flags };
}

/** glibc only: other C libraries neither read GLIBC_TUNABLES nor keep freed memory the same way. */
function onGlibc(): boolean {
  const header = (report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return process.platform === 'linux' && typeof header?.glibcVersionRuntime === 'string';
}

/**
 * Starts this process again with the settings above when it lacks them; returns only when it has
 * them (or cannot have them: not glibc, or a Node without process.execve).
 */
export function restartWithNodeSettings(): void {
  const missing = missingSettings({ env: process.env, execArgv: process.execArgv });
  // The glibc check builds a whole diagnostic report (milliseconds): only when a restart is due, not
  // again in the restarted process.
  if (missing === undefined || typeof process.execve !== 'function' || !onGlibc()) return;
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...missing.flags, ...process.argv.slice(1)], { ...process.env, GLIBC_TUNABLES: missing.tunables });
}
