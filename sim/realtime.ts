// The simulated world on wall-clock time: what `alys devnet` runs when the real components are not
// installed. Same world, same app, same invariants; only the driver differs (RealTimeDriver instead
// of running virtual time as fast as possible), so it is not reproducible and is not a test.
import { RealTimeDriver } from '../src/io/prod/realtime-driver.ts';
import { noBugs } from '../src/kernel/bugs.ts';
import { SeededRng } from '../src/kernel/rng.ts';
import { Scheduler } from '../src/kernel/scheduler.ts';
import { TraceRecorder } from '../src/kernel/trace.ts';
import type { CheckContext } from './chaos/invariant.ts';
import { KernelChecker } from './chaos/kernel-checker.ts';
import { appFor } from './runner.ts';
import { type Scenario, nodeIds } from './scenario.ts';
import { World } from './world.ts';

export interface RealtimeStatus {
  readonly atMs: number;
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly up: boolean; readonly view: unknown }>;
  readonly failures: Readonly<Record<string, string>>;
}

export async function runRealtime(o: {
  scenario: Scenario;
  seed: number;
  durationMs: number | undefined;
  statusEveryMs: number;
  onStatus: (s: RealtimeStatus) => void;
  stopSignal: Promise<void>;
}): Promise<RealtimeStatus> {
  const scheduler = new Scheduler();
  const driver = new RealTimeDriver(scheduler);
  const app = appFor(o.scenario);
  const rng = new SeededRng(o.seed);
  const { honest, byzantine } = nodeIds(o.scenario);
  const checker = new KernelChecker(() => scheduler.now());
  const failures: Record<string, string> = {};
  const invariants = Object.values(app.invariants).map((make) => make({ livenessWindowMs: o.scenario.livenessWindowMs, scenario: o.scenario }));
  const world = new World({
    scenario: o.scenario,
    app,
    scheduler,
    rng,
    trace: new TraceRecorder(),
    bugs: noBugs,
    kernelChecker: checker,
    honest,
    byzantine,
    sometimes: () => undefined,
    schedule: o.scenario.faults.schedule,
    onFault: () => undefined,
    onCutDelivery: (from, to) => (failures['network-partition-respected'] = `${from}->${to}`),
    onRepeatedSend: (reason) => (failures['no-repeated-sends'] = reason),
    onStorageViolation: (reason) => (failures['storage-durability'] = reason),
  });
  world.start();
  const clock = driver.clock();
  const status = (): RealtimeStatus => {
    const nodes = world.snapshots();
    const ctx: CheckContext<unknown> = { now: scheduler.now(), nodes, healedAt: undefined, final: false };
    for (const inv of invariants) {
      if (failures[inv.name] !== undefined) continue;
      const r = inv.check(ctx);
      if (r !== undefined) failures[inv.name] = r;
    }
    for (const [k, r] of checker.failures) failures[k] = r;
    return { atMs: scheduler.now(), nodes: nodes.map((n) => ({ id: n.id, up: n.up, view: n.view })), failures };
  };
  const tick = (): void => {
    o.onStatus(status());
    clock.setTimer(o.statusEveryMs, tick);
  };
  clock.setTimer(o.statusEveryMs, tick);
  driver.start();
  const timeout = o.durationMs === undefined ? new Promise<void>(() => undefined) : new Promise<void>((r) => clock.setTimer(o.durationMs as number, r));
  await Promise.race([timeout, o.stopSignal]);
  await driver.stop();
  world.dispose();
  return status();
}
