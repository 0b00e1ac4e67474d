// Every invariant a run can report, by app: the app's own checkers plus the world's (the kernel
// checker, the network and disk models, the determinism traps, and `crash`, an exception thrown out
// of the code under test). A scenario may name only these; `alys sim --list-invariants` prints them.
import { apps } from './apps.ts';
import { kernelInvariants } from './chaos/kernel-checker.ts';
import type { Scenario } from './scenario.ts';
import { ScenarioError } from './scenario.ts';

export const worldInvariants = [...kernelInvariants, 'network-partition-respected', 'no-repeated-sends', 'storage-durability', 'no-corrupt-read', 'determinism', 'crash'] as const;

/** The app that owns world invariants in listings (they hold whatever app runs). */
export const worldApp = 'world';

/** Every invariant a run of this app checks: the app's, then the world's. */
export function invariantsOf(app: string): string[] {
  const a = apps[app];
  if (a === undefined) throw new Error(`unknown app ${app}`);
  return [...Object.keys(a.invariants), ...worldInvariants];
}

/** One row per checker: the app's own invariants under each app, the world's once. */
export function listInvariants(): Array<{ name: string; app: string }> {
  const out: Array<{ name: string; app: string }> = [];
  for (const [app, a] of Object.entries(apps)) for (const name of Object.keys(a.invariants)) out.push({ name, app });
  for (const name of worldInvariants) out.push({ name, app: worldApp });
  return out;
}

/**
 * Refuses a scenario that names an invariant its app does not check (in `invariants`,
 * `expectViolated` or `mayFail`): a misspelt name would otherwise be a check that silently never runs.
 */
export function checkInvariantNames(s: Scenario, source = s.name): void {
  const known = new Set(invariantsOf(s.app));
  for (const field of ['invariants', 'expectViolated', 'mayFail'] as const) {
    s[field].forEach((name, i) => {
      if (!known.has(name)) throw new ScenarioError(`${source}: invalid field ${field}.${i}: unknown invariant '${name}' for app ${s.app} (alys sim --list-invariants prints the names)`);
    });
  }
}
