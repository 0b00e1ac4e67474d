// A thousand concurrent asks, cycles of asks included, all settle (answer or ASK_TIMEOUT): no
// deadlock. Lifecycle transitions are observable; shutdown follows dependsOn; failing health
// checks restart an actor.
import { describe, expect, it } from 'vitest';
import { actor } from '../../src/kernel/actor.ts';
import { KernelError } from '../../src/kernel/errors.ts';
import type { SystemEvent } from '../../src/kernel/event-bus.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { makeSystem } from './helpers.ts';

type PingMsg = Ask<{ type: 'ping'; depth: number }, number>;

const pinger = (name: string, peer: string) =>
  actor<PingMsg>({
    name,
    create: (ctx) => ({
      handlers: {
        // Each handler asks the peer, whose handler asks back: a cycle. The actors are not
        // reentrant, so the inner ask can only end by its timeout.
        ping: async (m) => {
          if (m.depth === 0) return 0;
          try {
            return 1 + (await ctx.ask(ctx.lookup<PingMsg>(peer), { type: 'ping', depth: m.depth - 1 }, 50));
          } catch (err) {
            if (err instanceof KernelError && err.code === 'ASK_TIMEOUT') return -1;
            throw err;
          }
        },
      },
    }),
  });

describe('asks', () => {
  it('a thousand concurrent asks over cycles all settle', async () => {
    const { system, scheduler } = makeSystem([pinger('a', 'b'), pinger('b', 'a')], { defaultAskTimeoutMs: 1_000_000 });
    const a = system.ref<PingMsg>('a');
    const b = system.ref<PingMsg>('b');
    let settled = 0;
    const outcomes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1_000; i++) {
      const p = (i % 2 === 0 ? a : b).ask({ type: 'ping', depth: i % 3 }, 10_000_000);
      outcomes.push(p.then((v) => v, (e: unknown) => e).finally(() => settled++));
    }
    await scheduler.runToQuiescence();
    await Promise.all(outcomes);
    expect(settled).toBe(1_000);
    const values = await Promise.all(outcomes);
    expect(values.every((v) => typeof v === 'number' || v instanceof KernelError)).toBe(true);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(0);
  });
});

describe('lifecycle', () => {
  type M = { type: 'x' };
  const plain = (name: string, dependsOn: string[] = [], stops: string[] = []) =>
    actor<M>({ name, dependsOn, create: () => ({ handlers: { x: () => undefined }, onStop: () => void stops.push(name) }) });

  it('reports initializing → running → stopping → stopped and stops dependents first', async () => {
    const events: SystemEvent[] = [];
    const stops: string[] = [];
    const { system, scheduler } = makeSystem([plain('storage', [], stops), plain('chain', ['storage', 'engine'], stops), plain('engine', ['storage'], stops), plain('network', [], stops)]);
    system.bus.subscribe((e) => events.push(e));
    await scheduler.runUntil(1);
    const shutdown = system.shutdown();
    await scheduler.runToQuiescence();
    await shutdown;
    expect(stops.indexOf('chain')).toBeLessThan(stops.indexOf('engine'));
    expect(stops.indexOf('engine')).toBeLessThan(stops.indexOf('storage'));
    expect(stops).toHaveLength(4);
    const chain = events.filter((e) => e.type === 'lifecycle' && e.actor === 'chain').map((e) => (e.type === 'lifecycle' ? e.to : ''));
    expect(chain).toEqual(['stopping', 'stopped']);
    expect(system.status).toBe('stopped');
  });

  it('messages to a stopped actor become dead letters and asks reject', async () => {
    const { system, scheduler } = makeSystem([plain('a')]);
    await system.shutdown();
    const ref = system.ref<M>('a');
    expect(ref.tell({ type: 'x' })).toBe('dead');
    await scheduler.runToQuiescence();
  });

  it('an actor failing its health check repeatedly is restarted', async () => {
    let healthy = true;
    const events: SystemEvent[] = [];
    const { system, scheduler } = makeSystem(
      [actor<M>({ name: 'h', unhealthyThreshold: 2, create: () => ({ handlers: { x: () => undefined }, health: () => ({ healthy, detail: 'stuck' }) }) })],
      { healthIntervalMs: 100 },
    );
    system.bus.subscribe((e) => events.push(e));
    await scheduler.runUntil(350);
    expect(system.actors()[0]?.restarts).toBe(0);
    healthy = false;
    await scheduler.runUntil(700);
    expect(events.filter((e) => e.type === 'unhealthy').length).toBeGreaterThanOrEqual(2);
    expect(system.actors()[0]?.restarts).toBeGreaterThanOrEqual(1);
  });
});
