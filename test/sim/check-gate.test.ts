// The runner skips, after a step in which no event ran, the invariants that did not read the clock
// at their last check (sim/chaos/check-gate.ts). These pin what must never be skipped: anything after
// an event, a clock reader, the final check, a check forced by a fault, and any step once the code
// under test set a stray timer. A gate that skipped any of these would hide failures.
import { describe, expect, it } from 'vitest';
import { CheckGate } from '../../sim/chaos/check-gate.ts';
import type { CheckContext, Invariant } from '../../sim/chaos/invariant.ts';

type View = { readonly value: number };

function counted(name: string, check: (ctx: CheckContext<View>) => string | undefined): Invariant<View> & { calls: number } {
  const inv = {
    name,
    calls: 0,
    check(ctx: CheckContext<View>) {
      inv.calls++;
      return check(ctx);
    },
  };
  return inv;
}

const ctxAt = (now: number, value = 0, final = false): CheckContext<View> => ({
  now,
  nodes: [{ id: 'n0', up: true, byzantine: false, incarnation: 0, view: { value } }],
  healedAt: 0,
  final,
});

describe('the check gate', () => {
  it('skips a world-only invariant after a step without events, and runs it after one with', () => {
    const gate = new CheckGate<View>();
    const world = counted('world-only', (ctx) => ((ctx.nodes[0]?.view?.value ?? 0) > 1 ? 'value above 1' : undefined));
    const run = (events: number, now: number, value: number) => gate.run([world], ctxAt(now, value), { events, strayTimers: 0 }, { final: false });
    expect(run(5, 20, 0)).toEqual([]);
    expect(run(5, 40, 0)).toEqual([]);
    expect(run(5, 60, 0)).toEqual([]);
    expect(world.calls).toBe(1);
    expect(gate.skippedSteps).toBe(2);
    // An event ran: the invariant sees the change and fails on it.
    expect(run(6, 80, 2)).toEqual([{ name: 'world-only', reason: 'value above 1' }]);
    expect(world.calls).toBe(2);
  });

  it('runs an invariant at every step while its checks read the clock, and skips it once they stop', () => {
    const gate = new CheckGate<View>();
    let deadline: number | undefined = 100;
    const timed = counted('timed', (ctx) => (deadline !== undefined && ctx.now > deadline ? `nothing by ${deadline} ms` : undefined));
    const run = (now: number) => gate.run([timed], ctxAt(now), { events: 1, strayTimers: 0 }, { final: false });
    for (let now = 20; now <= 100; now += 20) expect(run(now)).toEqual([]);
    // Nothing happened in the world, but the deadline passed: a quiet step still catches it.
    expect(run(120)).toEqual([{ name: 'timed', reason: 'nothing by 100 ms' }]);
    expect(timed.calls).toBe(6);
    deadline = undefined;
    expect(run(140)).toEqual([]);
    expect(run(160)).toEqual([]);
    // The check at 140 read no clock: from then on it is skipped until something happens.
    expect(timed.calls).toBe(7);
  });

  it('runs everything at the final check, at a forced check, and with stray timers set', () => {
    const gate = new CheckGate<View>();
    const world = counted('world-only', () => undefined);
    gate.run([world], ctxAt(20), { events: 3, strayTimers: 0 }, { final: false });
    gate.run([world], ctxAt(40), { events: 3, strayTimers: 0 }, { final: true });
    expect(world.calls).toBe(2);
    gate.run([world], ctxAt(60), { events: 3, strayTimers: 0 }, { final: false, forced: true });
    expect(world.calls).toBe(3);
    gate.run([world], ctxAt(80), { events: 3, strayTimers: 1 }, { final: false });
    expect(world.calls).toBe(4);
    gate.run([world], ctxAt(100), { events: 3, strayTimers: 0 }, { final: false });
    expect(world.calls).toBe(4);
  });

  it('does not let a forced check, in the middle of a step, stand for the end of that step', () => {
    const gate = new CheckGate<View>();
    const world = counted('world-only', () => undefined);
    gate.run([world], ctxAt(20), { events: 3, strayTimers: 0 }, { final: false });
    // A fault at event 4 forces a check; more of its event may still change the world.
    gate.run([world], ctxAt(30), { events: 4, strayTimers: 0 }, { final: false, forced: true });
    gate.run([world], ctxAt(40), { events: 4, strayTimers: 0 }, { final: false });
    expect(world.calls).toBe(3);
  });

  it('leaves out invariants the runner already failed', () => {
    const gate = new CheckGate<View>();
    const world = counted('world-only', () => 'broken');
    expect(gate.run([world], ctxAt(20), { events: 1, strayTimers: 0 }, { final: false, skip: () => true })).toEqual([]);
    expect(world.calls).toBe(0);
  });
});
