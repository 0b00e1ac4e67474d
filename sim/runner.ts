// Runs one seed of one scenario: builds the world, applies the faults, checks every invariant as the
// run goes, and returns the result as data. Everything that happens is a function of (scenario,
// seed, planted bugs); the trace hash proves it.
import { installDeterminismTraps } from '../src/io/sim/determinism/index.ts';
import { wallMs } from '../src/io/prod/wall-clock.ts';
import { bugSet } from '../src/kernel/bugs.ts';
import { SeededRng } from '../src/kernel/rng.ts';
import { Scheduler } from '../src/kernel/scheduler.ts';
import { TraceRecorder, type TraceSink } from '../src/kernel/trace.ts';
import type { SimApp } from './app.ts';
import { apps } from './apps.ts';
import { type Fault, healTime } from './chaos/faults.ts';
import { drawRates, drawSchedule, rateProbes } from './chaos/generate.ts';
import { CheckGate } from './chaos/check-gate.ts';
import type { Invariant } from './chaos/invariant.ts';
import { KernelChecker } from './chaos/kernel-checker.ts';
import { checkInvariantNames, invariantsOf } from './invariant-registry.ts';
import { type Scenario, nodeIds } from './scenario.ts';
import { DeterminismViolation } from '../src/io/sim/determinism/violation.ts';
import { World } from './world.ts';
import type { RunObserver } from './report/observer.ts';

export type InvariantVerdict = 'pass' | `fail: ${string}`;

export interface RunOptions {
  readonly scenario: Scenario;
  /** How the scenario was named on the command line, for the reproduce line. */
  readonly scenarioRef?: string;
  readonly seed: number;
  readonly bugs?: readonly string[];
  readonly durationMs?: number;
  readonly trace?: TraceSink;
  /** Swarm mode: draw the fault rates themselves from the seed. */
  readonly swarm?: boolean;
  /** Replace the scenario's faults by this schedule (fast-check drives this). */
  readonly schedule?: readonly Fault[];
  /** Called once the run is over, before the world is torn down (tests inspect disks and shared state). */
  readonly inspect?: (world: World<unknown>) => void;
  /** Ends the run early once this holds (checked with the invariants): benchmarks stop when done. */
  readonly stopWhen?: (world: World<unknown>) => boolean;
  /** Watches the run between its steps without touching it (the HTML report's timeline). */
  readonly observe?: RunObserver;
}

export interface RunResult {
  readonly seed: number;
  readonly scenario: string;
  readonly traceHash: string;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly speedup: number;
  readonly events: number;
  readonly invariants: Record<string, InvariantVerdict>;
  readonly ok: boolean;
  readonly reproduce: string;
  /** Event number and time of the first violation, if any. */
  readonly failedAt?: { readonly event: number; readonly timeMs: number };
  readonly faults: number;
  readonly probes: Record<string, number>;
  readonly strayTimers: number;
  /** The full stack of the first determinism violation, or of the exception that crashed the run. */
  readonly violationStack?: string;
}

export function reproduceCommand(o: RunOptions): string {
  const parts = ['alys sim', `--seed ${o.seed}`, `--scenario ${o.scenarioRef ?? o.scenario.name}`];
  if (o.durationMs !== undefined) parts.push(`--duration ${o.durationMs}ms`);
  for (const b of o.bugs ?? []) parts.push(`--plant-bug ${b}`);
  if (o.swarm === true) parts.push('--swarm');
  if (o.schedule !== undefined) parts.push(`--schedule '${JSON.stringify(o.schedule)}'`);
  return parts.join(' ');
}

export function appFor(s: Scenario): SimApp<unknown> {
  const app = apps[s.app];
  if (app === undefined) throw new Error(`unknown app ${s.app}`);
  return app;
}

/**
 * What a run plays: the scenario (a swarm seed draws its shape) and the fault schedule (the given
 * one, or the scenario's fixed faults plus those drawn from its rates). Draws come from streams
 * forked off the seed, so planning a run does not change the run.
 */
export function planRun(o: Pick<RunOptions, 'scenario' | 'seed' | 'swarm' | 'schedule'>): { scenario: Scenario; schedule: readonly Fault[] } {
  const app = appFor(o.scenario);
  const rng = new SeededRng(o.seed);
  const s = o.swarm === true && app.swarmVariant !== undefined ? app.swarmVariant(o.scenario, rng.fork('swarm-shape')) : o.scenario;
  let schedule: readonly Fault[] = o.schedule ?? s.faults.schedule;
  if (o.schedule === undefined && s.faults.rates !== undefined && s.faults.window !== undefined) {
    const rates = o.swarm === true ? drawRates(s.faults.rates, rng.fork('swarm-rates')) : s.faults.rates;
    schedule = [...schedule, ...drawSchedule(rates, s.faults.window, nodeIds(s).honest, rng.fork('faults'))];
  }
  return { scenario: s, schedule };
}

export async function runSimulation(o: RunOptions): Promise<RunResult> {
  const app = appFor(o.scenario);
  checkInvariantNames(o.scenario, o.scenarioRef ?? o.scenario.name);
  const started = wallMs();
  const scheduler = new Scheduler();
  const rng = new SeededRng(o.seed);
  const { scenario: s, schedule } = planRun(o);
  const trace = new TraceRecorder(o.trace);
  scheduler.onEvent = (t, seq) => trace.event(t, seq);
  const bugs = bugSet(o.bugs ?? []);
  const probes = new Map<string, number>();
  for (const p of app.probes) probes.set(p, 0);
  const sometimes = (p: string): void => {
    probes.set(p, (probes.get(p) ?? 0) + 1);
  };
  const { honest, byzantine } = nodeIds(s);
  // Each fault kind the rates can draw is a probe: a swarm shows the kinds that never fired.
  if (s.faults.rates !== undefined) for (const p of rateProbes(s.faults.rates)) probes.set(p, probes.get(p) ?? 0);

  const healedAt = Math.max(healTime(schedule), s.faults.window?.endMs ?? 0);
  const duration = Math.max(o.durationMs ?? s.durationMs, healedAt + (schedule.length > 0 ? s.livenessWindowMs : 0));

  o.observe?.start({ scenario: s, schedule, durationMs: duration, honest, byzantine });
  const kernelChecker = new KernelChecker(() => scheduler.now());
  // Every invariant is checked, whichever the scenario names: a failure nobody listed still fails the run.
  const wanted = invariantsOf(s.app);
  const invariants: Invariant<unknown>[] = [];
  for (const make of Object.values(app.invariants)) invariants.push(make({ livenessWindowMs: s.livenessWindowMs, scenario: s }));
  const verdicts: Record<string, InvariantVerdict> = {};
  for (const name of wanted) verdicts[name] = 'pass';
  let failedAt: RunResult['failedAt'];
  let crashStack: string | undefined;
  const failed = (name: string, reason: string): void => {
    if (name in verdicts && verdicts[name] !== 'pass') return;
    verdicts[name] = `fail: ${reason}`;
    o.observe?.invariantFailed(name, reason, scheduler.now());
    if (!s.mayFail.includes(name)) failedAt ??= { event: scheduler.executed, timeMs: scheduler.now() };
  };

  let world: World<unknown> | undefined;
  const linked = (from: string, to: string): boolean => !(world as World<unknown>).network.isCut(from, to);
  const gate = new CheckGate<unknown>();
  const skip = (inv: Invariant<unknown>): boolean => verdicts[inv.name] !== 'pass';
  // The nodes' snapshots change only in events: after a step the gate calls quiet, they are reused.
  let nodes: ReturnType<World<unknown>['snapshots']> | undefined;
  const check = (final: boolean, forced = false): void => {
    if (world === undefined) return;
    const inputs = { events: scheduler.executed, strayTimers: traps.strayTimers.count };
    if (nodes === undefined || !gate.isQuiet(inputs, { final, forced })) nodes = world.snapshots();
    const ctx = {
      now: scheduler.now(),
      nodes,
      healedAt: scheduler.now() >= healedAt ? healedAt : undefined,
      final,
      shared: world.shared,
      linked,
      cutsVersion: world.network.cutsVersion,
    };
    for (const f of gate.run(invariants, ctx, inputs, { final, forced, skip })) failed(f.name, f.reason);
    for (const [name, reason] of kernelChecker.failures) failed(name, reason);
  };

  const traps = installDeterminismTraps();
  try {
    world = new World({
      scenario: s,
      app,
      scheduler,
      rng,
      trace,
      bugs,
      kernelChecker,
      honest,
      byzantine,
      sometimes,
      schedule,
      onFault: () => check(false, true),
      onCutDelivery: (from, to) =>
        failed('network-partition-respected', `a message from ${from} reached ${to} across an active cut`),
      onRepeatedSend: (reason) => failed('no-repeated-sends', reason),
      onStorageViolation: (reason) => failed('storage-durability', reason),
      onCorruptRead: (reason) => failed('no-corrupt-read', reason),
    });
    world.start();
    const step = s.checkEveryMs;
    for (let t = step; ; t += step) {
      const until = Math.min(t, duration);
      if (!scheduler.advanceIfIdle(until)) await scheduler.runUntil(until);
      traps.advanceFakeTimers(scheduler.now());
      check(false);
      o.observe?.step(world, scheduler.now());
      // A negative scenario runs on until every expected violation has shown.
      if ((failedAt !== undefined && !s.expectViolated.some((name) => verdicts[name] === 'pass')) || until >= duration || o.stopWhen?.(world) === true) break;
    }
    if (failedAt === undefined) check(true);
    // Conservation at the end, not only across restarts: whatever was sent and neither delivered
    // nor dropped or discarded with a reason must still be in a mailbox.
    kernelChecker.finish(world.queuedEnvelopes());
    for (const [name, reason] of kernelChecker.failures) failed(name, reason);
    o.inspect?.(world);
  } catch (err) {
    // A trap's violation is determinism's; anything else thrown out of the code under test is a crash.
    if (err instanceof DeterminismViolation) failed('determinism', `run aborted: ${err.message}`);
    else {
      crashStack = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failed('crash', `${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} (at ${scheduler.now()} ms)`);
    }
  } finally {
    world?.dispose();
    traps.uninstall();
  }
  const v = traps.violations[0];
  if (v !== undefined) failed("determinism", `${v.api} called during simulation at ${firstFrame(v.stack)}`);

  const wall = Math.max(0.001, wallMs() - started);
  const ok = Object.entries(verdicts).every(([name, x]) =>
    s.expectViolated.includes(name) ? x !== 'pass' : x === 'pass' || s.mayFail.includes(name),
  );
  const result: RunResult = {
    seed: o.seed,
    scenario: s.name,
    traceHash: trace.hash,
    simulatedMs: scheduler.now(),
    wallMs: Math.round(wall * 100) / 100,
    speedup: Math.round(scheduler.now() / wall),
    events: scheduler.executed,
    invariants: verdicts,
    ok,
    reproduce: reproduceCommand(o),
    faults: schedule.length,
    probes: Object.fromEntries(probes),
    strayTimers: traps.strayTimers.count,
  };
  const stack = v?.stack ?? crashStack;
  const withStack = stack === undefined ? result : { ...result, violationStack: stack };
  return failedAt === undefined ? withStack : { ...withStack, failedAt };
}

function firstFrame(stack: string | undefined): string {
  const lines = (stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  return lines.find((l) => !l.includes('/determinism/')) ?? lines[0] ?? '(no stack)';
}
