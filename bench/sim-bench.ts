// `alys bench sim` / `npm run bench:sim -- --json`: how much faster than real time the simulation
// runs. Fixed seeds of `happy` (the chain alone, 4 authorities, one simulated hour), `peg-cycle`
// and `bridge-chaos` (the chain with the two-way peg), each run whole with every invariant checked.
// Each entry: { scenario, seeds, simulatedMs, wallMs, speedup, eventsPerSec, cpuMs, cpuSpeedup, ok },
// measured after three unmeasured runs of the same scenario on other seeds (the steady speed a swarm sees).
// `bridgeToChain` is each bridge scenario's speedup over the chain's in the same run, the figure
// that does not depend on how fast (or how shared) the machine is. CPU time is reported beside wall
// time because on a machine shared with other work the wall clock measures the neighbours too.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import { runSimulation } from '../sim/runner.ts';
import type { Scenario } from '../sim/scenario.ts';
import { loadScenario } from '../sim/scenarios/index.ts';
import { describeSwarm, measureSwarm } from './swarm-bench.ts';

export interface SimBenchEntry {
  readonly scenario: string;
  readonly seeds: readonly number[];
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly speedup: number;
  readonly eventsPerSec: number;
  readonly cpuMs: number;
  readonly cpuSpeedup: number;
  readonly ok: boolean;
}

/** Goals of issue 13 (on a 2-core machine, simulated signature scheme). */
const GOALS = { chain: 1_000, bridge: 300 };
/** The warm-up runs: long enough for a bridge scenario's faults and payouts, never a whole hour. */
const WARM_UP_MS = 300_000;
const WARM_UP_SEED = 1_000_000;
/**
 * How many: the same seed of bridge-chaos, run again and again in one process, took 672, 521, 513,
 * 497, 413 and 387 ms: the JIT was still compiling its paths after one run, and a swarm of hundreds
 * of seeds runs at the speed the later runs show.
 */
const WARM_UP_RUNS = 3;

async function measure(name: string, scenario: Scenario, seeds: readonly number[]): Promise<SimBenchEntry> {
  let simulatedMs = 0;
  let wall = 0;
  let events = 0;
  let ok = true;
  const cpu0 = process.cpuUsage();
  for (const seed of seeds) {
    const r = await runSimulation({ scenario, scenarioRef: name, seed });
    simulatedMs += r.simulatedMs;
    wall += r.wallMs;
    events += r.events;
    ok &&= r.ok;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1_000;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    scenario: name,
    seeds,
    simulatedMs,
    wallMs: Math.round(wall),
    speedup: round(simulatedMs / wall),
    eventsPerSec: Math.round(events / (wall / 1_000)),
    cpuMs: Math.round(cpuMs),
    cpuSpeedup: round(simulatedMs / cpuMs),
    ok,
  };
}

export async function benchSim(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        seeds: { type: 'string', default: '1' },
        'chain-duration-ms': { type: 'string', default: '3600000' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const seeds = Array.from({ length: parsePositiveInt(v.seeds, '--seeds') }, (_, i) => i + 1);
  const chainMs = parsePositiveInt(v['chain-duration-ms'], '--chain-duration-ms');
  const log = (line: string): void => {
    if (!v.json) console.log(line);
  };
  const entries: Record<string, SimBenchEntry> = {};
  const plan: Array<[string, Scenario]> = [
    ['happy', { ...loadScenario('happy'), durationMs: chainMs }],
    ['peg-cycle', loadScenario('peg-cycle')],
    ['bridge-chaos', loadScenario('bridge-chaos')],
  ];
  for (const [name, scenario] of plan) {
    // Unmeasured runs of the scenario first, on seeds outside the measured ones, so that module
    // loading and the JIT's warm-up for its code paths are not charged: a swarm runs hundreds of
    // seeds in one process, and a first run of bridge-chaos took twice as long as the third.
    for (let i = 0; i < WARM_UP_RUNS; i++) {
      await runSimulation({ scenario: { ...scenario, durationMs: Math.min(scenario.durationMs, WARM_UP_MS) }, scenarioRef: name, seed: WARM_UP_SEED + i });
    }
    const e = await measure(name, scenario, seeds);
    entries[name] = e;
    log(`${name.padEnd(13)} ${String(e.speedup).padStart(7)}x wall  ${String(e.cpuSpeedup).padStart(7)}x cpu  ${e.eventsPerSec} events/s  (${e.simulatedMs} ms simulated in ${e.wallMs} ms)${e.ok ? '' : '  INVARIANT FAILED'}`);
  }
  // Seeds on every core (bench/swarm-bench.ts).
  const swarm = await measureSwarm();
  log(describeSwarm(swarm));
  const chain = entries.happy as SimBenchEntry;
  const ratio = (e: SimBenchEntry | undefined): { wall: number; cpu: number } => ({
    wall: Math.round(((e?.speedup ?? 0) / chain.speedup) * 1_000) / 1_000,
    cpu: Math.round(((e?.cpuSpeedup ?? 0) / chain.cpuSpeedup) * 1_000) / 1_000,
  });
  const result = {
    ...entries,
    swarm,
    bridgeToChain: { 'peg-cycle': ratio(entries['peg-cycle']), 'bridge-chaos': ratio(entries['bridge-chaos']) },
    goals: {
      chainSpeedup: GOALS.chain,
      bridgeSpeedup: GOALS.bridge,
      chainMet: chain.speedup >= GOALS.chain,
      bridgeMet: Math.min(entries['peg-cycle']?.speedup ?? 0, entries['bridge-chaos']?.speedup ?? 0) >= GOALS.bridge,
    },
    machine: { cpus: cpus().length, loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
  };
  if (v.json) console.log(JSON.stringify(result));
  else log(`bridge/chain speedup: peg-cycle ${result.bridgeToChain['peg-cycle'].wall}, bridge-chaos ${result.bridgeToChain['bridge-chaos'].wall} (load ${result.machine.loadavg1m} on ${result.machine.cpus} cores)`);
  return Object.values(entries).every((e) => e.ok) ? 0 : 1;
}
