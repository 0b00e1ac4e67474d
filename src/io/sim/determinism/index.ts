// Runtime traps for a simulation run: ambient time, randomness, sockets and files fail the run with
// the offending stack; stray timers are virtualised and counted. The lint rule catches most of this
// statically; these traps also catch libraries and code paths the lint cannot see.
import { type FakeTimerControl, type StrayTimers, installFakeTimers } from './fake-timers.ts';
import { Patcher } from './patcher.ts';
import { trapSocketsAndFiles } from './sockets-and-files.ts';
import { trapTimeAndRandom } from './time-and-random.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolation, type Violation } from './violation.ts';

export { DeterminismViolation, type Violation } from './violation.ts';

export interface Traps {
  readonly violations: readonly Violation[];
  readonly strayTimers: StrayTimers;
  /** Fires stray (fake) timers due by this virtual time. */
  advanceFakeTimers(virtualMs: number): void;
  /** Runs fn with the traps open (the simulator's own trace writing). */
  bypass<T>(fn: () => T): T;
  uninstall(): void;
}

let installed = false;

// Frames from these folders are the simulation's own code (tests included: canaries and handlers
// written in tests). A trapped call with none of them on its stack is foreign code that a real
// macrotask ran while the simulation yielded (a loader's cache timer, the test runner's RPC): it is
// not part of the simulated world, so it is let through.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const ownFolders = ['src/', 'sim/', 'test/', 'bench/'].map((f) => join(root, f));
const trapFolder = join(root, 'src/io/sim/determinism/');

function fromSimulatedCode(stack: string): boolean {
  for (const line of stack.split('\n')) {
    const path = line.includes('file://') ? line.replace(/.*file:\/\//, '/') : line;
    if (path.includes(trapFolder)) continue;
    if (ownFolders.some((f) => path.includes(f))) return true;
  }
  return false;
}

export function installDeterminismTraps(): Traps {
  if (installed) throw new Error('determinism traps are already installed (simulations do not nest)');
  installed = true;
  const violations: Violation[] = [];
  let open = 0;
  const allowed = (): boolean => {
    if (open > 0) return true;
    return !fromSimulatedCode(new Error('probe').stack ?? '');
  };
  const patcher = new Patcher();
  const trip = (api: string): never => {
    const err = new DeterminismViolation(api);
    violations.push({ api, stack: err.stack ?? api });
    throw err;
  };
  let timers: FakeTimerControl | undefined;
  try {
    timers = installFakeTimers(patcher);
    trapTimeAndRandom(patcher, trip, allowed);
    trapSocketsAndFiles(patcher, trip, allowed);
  } catch (err) {
    patcher.restore();
    timers?.uninstall();
    installed = false;
    throw err;
  }
  const control = timers;
  return {
    violations,
    strayTimers: control.stray,
    advanceFakeTimers: (ms) => control.advanceTo(ms),
    bypass: <T>(fn: () => T): T => {
      open++;
      try {
        return fn();
      } finally {
        open--;
      }
    },
    uninstall: () => {
      patcher.restore();
      control.uninstall();
      installed = false;
    },
  };
}
