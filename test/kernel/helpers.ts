import { ActorSystem, type ActorSystemOptions } from '../../src/kernel/actor-system.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import type { ChildSpec, SupervisorSpec } from '../../src/kernel/supervisor.ts';

export function makeSystem(
  children: SupervisorSpec | readonly ChildSpec[],
  opts: Partial<ActorSystemOptions> = {},
): { system: ActorSystem; scheduler: Scheduler } {
  const scheduler = opts.scheduler ?? new Scheduler();
  const system = new ActorSystem(
    { node: 'n0', scheduler, rng: new SeededRng(opts.rng?.seed ?? 1), ...opts },
    children,
  ).start();
  return { system, scheduler };
}
