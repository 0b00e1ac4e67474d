// The world applies each timed cut with its own identity: when a short isolation expires it lifts
// only itself, so a longer partition that overlaps it holds until its own end; an explicit `heal`
// fault still lifts every cut.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { TraceRecorder } from '../../src/kernel/trace.ts';
import { noBugs } from '../../src/kernel/bugs.ts';
import type { Fault } from '../../sim/chaos/faults.ts';
import { parseScenario } from '../../sim/scenario.ts';
import { toyApp } from '../../sim/toy/app.ts';
import { World } from '../../sim/world.ts';

function worldWith(schedule: Fault[]) {
  const scheduler = new Scheduler();
  const scenario = parseScenario({ name: 'cuts', app: 'toy', nodes: 3, durationMs: 30_000, faults: { schedule } });
  const cutDeliveries: string[] = [];
  const world = new World({
    scenario,
    app: toyApp as never,
    scheduler,
    rng: new SeededRng(1),
    trace: new TraceRecorder(),
    bugs: noBugs,
    kernelChecker: undefined,
    honest: ['n0', 'n1', 'n2'],
    byzantine: [],
    sometimes: () => undefined,
    schedule,
    onFault: () => undefined,
    onCutDelivery: (from, to) => cutDeliveries.push(`${from}>${to}`),
    onRepeatedSend: () => undefined,
    onStorageViolation: () => undefined,
  });
  world.start();
  return { scheduler, world, cutDeliveries };
}

describe('World cuts', () => {
  it('a short isolation that expires does not end a longer partition early', async () => {
    const { scheduler, world, cutDeliveries } = worldWith([
      { kind: 'partition', at: 1_000, groups: [['n0'], ['n1', 'n2']], durationMs: 10_000 },
      { kind: 'isolate', at: 2_000, node: 'n2', durationMs: 1_000 },
    ]);
    await scheduler.runUntil(2_500);
    expect(world.network.isCut('n1', 'n2')).toBe(true);
    expect(world.network.isCut('n0', 'n1')).toBe(true);
    await scheduler.runUntil(5_000);
    // The isolation is over: n1 and n2 talk again, n0 is still partitioned away.
    expect(world.network.isCut('n1', 'n2')).toBe(false);
    expect(world.network.isCut('n0', 'n1')).toBe(true);
    expect(world.network.isCut('n2', 'n0')).toBe(true);
    await scheduler.runUntil(11_500);
    expect(world.network.activeCuts()).toEqual([]);
    expect(cutDeliveries).toEqual([]);
    world.dispose();
  });

  it('an explicit heal fault lifts every cut, and a cut ending later does not bring any back', async () => {
    const { scheduler, world } = worldWith([
      { kind: 'partition', at: 1_000, groups: [['n0'], ['n1', 'n2']], durationMs: 10_000 },
      { kind: 'block-link', at: 1_500, from: 'n1', to: 'n2', durationMs: 3_000 },
      { kind: 'heal', at: 2_000 },
    ]);
    await scheduler.runUntil(1_800);
    expect(world.network.activeCuts()).toHaveLength(2);
    await scheduler.runUntil(2_100);
    expect(world.network.activeCuts()).toEqual([]);
    await scheduler.runUntil(12_000);
    expect(world.network.isCut('n0', 'n1') || world.network.isCut('n1', 'n2')).toBe(false);
    world.dispose();
  });
});
