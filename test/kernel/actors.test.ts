import { describe, expect, it } from 'vitest';
import { actor, type ActorContext } from '../../src/kernel/actor.ts';
import { KernelError } from '../../src/kernel/errors.ts';
import type { SystemEvent } from '../../src/kernel/event-bus.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { supervisor } from '../../src/kernel/supervisor.ts';
import { makeSystem } from './helpers.ts';

type CounterMsg =
  | { type: 'inc'; by: number }
  | Ask<{ type: 'get' }, number>
  | Ask<{ type: 'slow-get'; delayMs: number }, number>
  | { type: 'boom' };

const counter = (name = 'counter') =>
  actor<CounterMsg>({
    name,
    create: (ctx: ActorContext<CounterMsg>) => {
      let n = 0;
      return {
        handlers: {
          inc: (m) => {
            n += m.by;
          },
          get: () => n,
          'slow-get': async (m) => {
            await new Promise<void>((r) => ctx.clock.setTimer(m.delayMs, r));
            return n;
          },
          boom: () => {
            throw new Error('boom');
          },
        },
      };
    },
  });

describe('actors', () => {
  it('tell then ask returns the handled state', async () => {
    const { system, scheduler } = makeSystem([counter()]);
    const ref = system.ref<CounterMsg>('counter');
    ref.tell({ type: 'inc', by: 2 });
    ref.tell({ type: 'inc', by: 3 });
    const p = ref.ask({ type: 'get' });
    await scheduler.runUntil(10);
    // Typed: the reply type comes from the actor's protocol (a type error here fails typecheck).
    const five: number = await p;
    expect(five).toBe(5);
  });

  it('async handlers do not interleave and complete in virtual time', async () => {
    const { system, scheduler } = makeSystem([counter()]);
    const ref = system.ref<CounterMsg>('counter');
    const a = ref.ask({ type: 'slow-get', delayMs: 100 });
    ref.tell({ type: 'inc', by: 1 });
    const b = ref.ask({ type: 'get' });
    let aAt = -1;
    let bAt = -1;
    void a.then(() => (aAt = scheduler.now()));
    void b.then(() => (bAt = scheduler.now()));
    await scheduler.runUntil(1000);
    expect(await a).toBe(0);
    expect(await b).toBe(1);
    expect(aAt).toBe(100);
    expect(bAt).toBe(100);
  });

  it('ask times out instead of hanging', async () => {
    const { system, scheduler } = makeSystem([counter()]);
    const ref = system.ref<CounterMsg>('counter');
    const p = ref.ask({ type: 'slow-get', delayMs: 10_000 }, 50);
    const caught = p.catch((e: unknown) => e);
    await scheduler.runUntil(100);
    const err = await caught;
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('ASK_TIMEOUT');
  });

  it('a failing handler restarts the actor with fresh state and keeps its mailbox', async () => {
    const events: SystemEvent[] = [];
    const { system, scheduler } = makeSystem([counter()]);
    system.bus.subscribe((e) => events.push(e));
    const ref = system.ref<CounterMsg>('counter');
    ref.tell({ type: 'inc', by: 5 });
    ref.tell({ type: 'boom' });
    ref.tell({ type: 'inc', by: 1 });
    const p = ref.ask({ type: 'get' });
    await scheduler.runUntil(10);
    expect(await p).toBe(1);
    expect(events.some((e) => e.type === 'actor-failed')).toBe(true);
    expect(system.actors()[0]?.restarts).toBe(1);
  });

  it('escalates past the restart intensity and the root degrades', async () => {
    const tree = supervisor({
      name: 'chain-supervisor',
      strategy: 'one-for-one',
      restart: { kind: 'immediate' },
      intensity: { maxRestarts: 2, windowMs: 1000 },
      children: [counter()],
    });
    const { system, scheduler } = makeSystem(
      supervisor({
        name: 'root',
        strategy: 'one-for-one',
        restart: { kind: 'immediate' },
        intensity: { maxRestarts: 0, windowMs: 1000 },
        children: [tree],
      }),
    );
    const ref = system.ref<CounterMsg>('counter');
    for (let i = 0; i < 4; i++) {
      ref.tell({ type: 'boom' });
      await scheduler.runUntil(scheduler.now() + 1);
    }
    expect(system.status).toBe('degraded');
  });

  it('one-for-all restarts the siblings, rest-for-one only the later ones', async () => {
    for (const strategy of ['one-for-all', 'rest-for-one'] as const) {
      const { system, scheduler } = makeSystem(
        supervisor({
          name: 'sup',
          strategy,
          restart: { kind: 'immediate' },
          intensity: { maxRestarts: 10, windowMs: 1000 },
          children: [counter('a'), counter('b'), counter('c')],
        }),
      );
      system.ref<CounterMsg>('b').tell({ type: 'boom' });
      await scheduler.runUntil(5);
      const restarts = system.actors().map((a) => a.restarts);
      expect(restarts).toEqual(strategy === 'one-for-all' ? [1, 1, 1] : [0, 1, 1]);
    }
  });
});
