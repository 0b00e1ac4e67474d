// No checker that has never been seen to fail: every invariant any app checks (and every world
// invariant) is named in some planted bug's `catches`, with a scenario of an app that runs that very
// checker. The planted-bug suite then shows each catch happens.
import { describe, expect, it } from 'vitest';
import { apps } from '../../sim/apps.ts';
import { allBugs } from '../../sim/bugs.ts';
import { listInvariants, worldApp, worldInvariants } from '../../sim/invariant-registry.ts';

describe('invariant coverage by planted bugs', () => {
  it('every invariant is in some bug\'s catches', () => {
    const bugs = allBugs();
    const uncovered = listInvariants().filter(({ name, app }) => {
      if (app === worldApp) return !bugs.some((b) => b.catches.includes(name));
      // An app that reuses another app's checker (the bridge runs the chain's) is covered by a bug
      // caught in either: the same factory is the same code.
      const factory = apps[app]?.invariants[name];
      return !bugs.some((b) => b.catches.includes(name) && apps[b.app]?.invariants[name] === factory);
    });
    expect(uncovered.map((i) => `${i.app}:${i.name}`)).toEqual([]);
  });

  it('every name a bug catches is an invariant of the app its scenario runs', () => {
    for (const b of allBugs()) {
      const known = new Set([...Object.keys(apps[b.app]?.invariants ?? {}), ...worldInvariants]);
      for (const name of b.catches) expect(known.has(name), `${b.name} catches unknown invariant ${name}`).toBe(true);
      expect(b.catches.length).toBeGreaterThan(0);
    }
  });
});
