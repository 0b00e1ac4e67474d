// Restart policies as pure functions, and through a supervisor: backoff grows and is capped, its
// jitter stays in bounds and is reproducible from the seed; a circuit breaker opens after its
// threshold and tries once after openMs; too many restarts in the window escalate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actor } from '../../src/kernel/actor.ts';
import type { SystemEvent } from '../../src/kernel/event-bus.ts';
import { decideRestart, exceedsIntensity, freshRestartState, type RestartPolicy } from '../../src/kernel/restart-policy.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { supervisor } from '../../src/kernel/supervisor.ts';
import { makeSystem } from './helpers.ts';

const backoff: RestartPolicy = { kind: 'backoff', initialMs: 100, maxMs: 5_000, multiplier: 2, jitter: 0.2 };

describe('restart policies', () => {
  it('backoff delays grow geometrically within the jitter band and stop at the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 15 }), (seed, failures) => {
        const rng = new SeededRng(seed);
        const state = freshRestartState();
        let now = 0;
        for (let k = 1; k <= failures; k++) {
          const d = decideRestart(backoff, state, now, rng).delayMs;
          const base = Math.min(5_000, 100 * 2 ** (k - 1));
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
          now += 1; // failing again at once: the count keeps growing
          state.lastRestartAt = now;
        }
      }),
    );
  });

  it('jitter is reproducible by seed and differs between seeds', () => {
    const delays = (seed: number) => {
      const rng = new SeededRng(seed);
      const st = freshRestartState();
      return Array.from({ length: 6 }, (_, i) => {
        st.lastRestartAt = i;
        return decideRestart(backoff, st, i, rng).delayMs;
      });
    };
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
  });

  it('a long healthy run resets the backoff', () => {
    const rng = new SeededRng(1);
    const st = freshRestartState();
    for (let i = 0; i < 5; i++) decideRestart(backoff, st, i, rng);
    st.lastRestartAt = 10;
    const d = decideRestart(backoff, st, 10 + 5_000 * 4, rng).delayMs;
    expect(d).toBeLessThanOrEqual(120);
  });

  it('the circuit breaker opens after its threshold and half-opens after openMs', () => {
    const policy: RestartPolicy = { kind: 'circuit-breaker', failureThreshold: 3, openMs: 1_000, resetAfterMs: 5_000 };
    const rng = new SeededRng(1);
    const st = freshRestartState();
    st.lastRestartAt = 0;
    const d = [1, 2, 3, 4].map((t) => {
      const r = decideRestart(policy, st, t, rng);
      st.lastRestartAt = t;
      return r;
    });
    expect(d.map((x) => x.delayMs)).toEqual([0, 0, 1_000, 1_000]);
    expect(d.map((x) => x.circuitOpened)).toEqual([false, false, true, true]);
  });

  it('counts restarts in a sliding window', () => {
    const h: number[] = [];
    const i = { maxRestarts: 3, windowMs: 100 };
    expect([0, 10, 20].map((t) => exceedsIntensity(h, t, i))).toEqual([false, false, false]);
    expect(exceedsIntensity(h, 30, i)).toBe(true);
    expect(exceedsIntensity([0, 10, 20], 150, i)).toBe(false);
  });

  it('through a supervisor: backoff spaces the restarts, the breaker reports, escalation degrades the root', async () => {
    type M = { type: 'boom' };
    const failing = actor<M>({ name: 'flaky', create: () => ({ onStart() {}, handlers: { boom: () => { throw new Error('boom'); } } }) });
    const events: SystemEvent[] = [];
    const { system, scheduler } = makeSystem(
      supervisor({
        name: 'root',
        strategy: 'one-for-one',
        restart: { kind: 'immediate' },
        intensity: { maxRestarts: 0, windowMs: 1 },
        children: [
          supervisor({
            name: 'chain-supervisor',
            strategy: 'one-for-one',
            restart: { kind: 'circuit-breaker', failureThreshold: 2, openMs: 500, resetAfterMs: 10_000 },
            intensity: { maxRestarts: 4, windowMs: 60_000 },
            children: [failing],
          }),
        ],
      }),
    );
    system.bus.subscribe((e) => events.push(e));
    const ref = system.ref<M>('flaky');
    const restartsAt: number[] = [];
    system.bus.subscribe((e) => {
      if (e.type === 'lifecycle' && e.to === 'running') restartsAt.push(e.at);
    });
    for (let i = 0; i < 6; i++) {
      ref.tell({ type: 'boom' });
      await scheduler.runUntil(scheduler.now() + 600);
    }
    expect(events.some((e) => e.type === 'circuit-open')).toBe(true);
    expect(restartsAt[0]).toBe(0);
    expect(restartsAt.some((t) => t % 600 === 500)).toBe(true);
    expect(events.some((e) => e.type === 'escalated' && e.supervisor === 'chain-supervisor')).toBe(true);
    expect(system.status).toBe('degraded');
  });
});
