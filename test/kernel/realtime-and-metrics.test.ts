// The real-time driver runs the same scheduler on wall time: timers fire in order, IO posted from
// outside runs as events. And per-actor metrics reach a prom-client registry.
import { describe, expect, it } from 'vitest';
import { RealTimeDriver } from '../../src/io/prod/realtime-driver.ts';
import { actor } from '../../src/kernel/actor.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { registerActorMetrics } from '../../src/kernel/metrics.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { makeSystem } from './helpers.ts';

type EchoMsg = Ask<{ type: 'echo'; n: number }, number>;

describe('real-time driver', () => {
  it('fires timers in order on wall time and runs posted IO completions as events', async () => {
    const scheduler = new Scheduler();
    const driver = new RealTimeDriver(scheduler);
    const clock = driver.clock();
    const seen: string[] = [];
    driver.start();
    const started = clock.now();
    await new Promise<void>((resolve) => {
      clock.setTimer(30, () => seen.push('t30'));
      clock.setTimer(10, () => seen.push('t10'));
      clock.setTimer(60, () => {
        seen.push('t60');
        resolve();
      });
      setTimeout(() => driver.post(() => seen.push('io')), 5);
    });
    await driver.stop();
    expect(seen.filter((s) => s !== 'io')).toEqual(['t10', 't30', 't60']);
    expect(seen).toContain('io');
    expect(clock.now() - started).toBeGreaterThanOrEqual(60);
  });

  it('answers asks between actors in real time', async () => {
    const scheduler = new Scheduler();
    const driver = new RealTimeDriver(scheduler);
    const system = new ActorSystem({ node: 'rt', scheduler, rng: new SeededRng(1), clock: driver.clock() }, [
      actor<EchoMsg>({ name: 'echo', create: () => ({ handlers: { echo: (m) => m.n * 2 } }) }),
    ]).start();
    driver.start();
    const answers = await Promise.all(
      [1, 2, 3].map((n) => new Promise<number>((resolve, reject) => driver.post(() => void system.ref<EchoMsg>('echo').ask({ type: 'echo', n }).then(resolve, reject)))),
    );
    await driver.stop();
    expect(answers).toEqual([2, 4, 6]);
  });
});

describe('actor metrics', () => {
  it('exposes mailbox depth, messages, restarts and degraded state through prom-client', async () => {
    type M = { type: 'ok' } | { type: 'boom' };
    const { system, scheduler } = makeSystem([
      actor<M>({ name: 'worker', create: () => ({ handlers: { ok: () => undefined, boom: () => { throw new Error('x'); } } }) }),
    ]);
    const registry = registerActorMetrics(() => [system]);
    const ref = system.ref<M>('worker');
    ref.tell({ type: 'ok' });
    ref.tell({ type: 'boom' });
    ref.tell({ type: 'ok' });
    await scheduler.runUntil(10);
    const text = await registry.metrics();
    expect(text).toMatch(/alys_actor_messages_total\{node="n0",actor="worker"\} 2/);
    expect(text).toMatch(/alys_actor_restarts_total\{node="n0",actor="worker"\} 1/);
    expect(text).toMatch(/alys_actor_mailbox_depth\{node="n0",actor="worker"\} 0/);
    expect(text).toMatch(/alys_system_degraded\{node="n0"\} 0/);
  });
});
