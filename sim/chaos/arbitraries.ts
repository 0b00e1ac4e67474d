// Fault schedules as fast-check arbitraries, so that property-based chaos suites run under vitest
// and a failing case shrinks to a small schedule (fewer faults, earlier, shorter), printed with its
// seed so that `alys sim` can replay it.
import fc from 'fast-check';
import type { Fault } from './faults.ts';

export interface ScheduleShape {
  readonly nodes: readonly string[];
  /** Faults start within [0, windowMs). */
  readonly windowMs: number;
  readonly maxFaults: number;
  readonly maxDurationMs: number;
}

export function faultArbitrary(shape: ScheduleShape): fc.Arbitrary<Fault> {
  const node = fc.constantFrom(...shape.nodes);
  const at = fc.integer({ min: 0, max: shape.windowMs - 1 });
  const duration = fc.integer({ min: 1, max: shape.maxDurationMs });
  const groups = partitionGroups(shape.nodes);
  return fc.oneof(
    fc.record({ kind: fc.constant('partition' as const), at, groups, durationMs: duration }),
    fc.record({ kind: fc.constant('isolate' as const), at, node, durationMs: duration }),
    fc.record({ kind: fc.constant('block-link' as const), at, from: node, to: node, durationMs: duration }).filter((f) => f.from !== f.to),
    fc.record({ kind: fc.constant('crash' as const), at, node, restartAfterMs: duration }),
    fc.record({ kind: fc.constant('clock-skew' as const), at, node, skewMs: fc.integer({ min: -2_000, max: 2_000 }), durationMs: duration }),
    fc.record({
      kind: fc.constant('degrade-network' as const),
      at,
      loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }),
      reorder: fc.double({ min: 0, max: 0.3, noNaN: true }),
      durationMs: duration,
    }),
  );
}

/** A partition's two sides: every node on one or the other, neither empty. */
function partitionGroups(nodes: readonly string[]): fc.Arbitrary<string[][]> {
  return fc
    .shuffledSubarray([...nodes], { minLength: 1, maxLength: Math.max(1, nodes.length - 1) })
    .map((side) => [side, nodes.filter((n) => !side.includes(n))])
    .filter((g) => (g[1]?.length ?? 0) > 0);
}

export function scheduleArbitrary(shape: ScheduleShape): fc.Arbitrary<Fault[]> {
  return fc.array(faultArbitrary(shape), { maxLength: shape.maxFaults }).map((fs) => [...fs].sort((a, b) => a.at - b.at));
}

export interface RotationRestartShape {
  readonly nodes: readonly string[];
  /** The rotation falls within [min, max] ms. */
  readonly rotateAtMs: { readonly min: number; readonly max: number };
  /** Other world and network faults start within [min, max] ms. */
  readonly faultsWithinMs: { readonly min: number; readonly max: number };
}

/**
 * A federation rotation with authorities crashing around it (from before it to past its grace
 * period, one at a time or overlapping) and a few of the peg's other faults anywhere in the run:
 * the general case of issue 13's report, where an authority that restarts near a rotation must
 * re-learn the federation, find the deposits to its address and catch up.
 */
export function rotationRestartArbitrary(shape: RotationRestartShape): fc.Arbitrary<Fault[]> {
  const node = fc.constantFrom(...shape.nodes);
  const at = fc.integer(shape.faultsWithinMs);
  const duration = fc.integer({ min: 2_000, max: 12_000 });
  const world = (action: string): fc.Arbitrary<Fault> => fc.record({ kind: fc.constant('world' as const), at, action: fc.constant(action), durationMs: duration });
  const groups = partitionGroups(shape.nodes);
  const other: fc.Arbitrary<Fault> = fc.oneof(
    world('governance-down'),
    world('governance-slow'),
    world('governance-byzantine'),
    fc.record({ kind: fc.constant('world' as const), at, action: fc.constant('bitcoin-reorg') }),
    fc.record({ kind: fc.constant('partition' as const), at, groups, durationMs: duration }),
  );
  const crash = fc.record({ node, offsetMs: fc.integer({ min: -20_000, max: 40_000 }), downMs: fc.integer({ min: 2_000, max: 15_000 }) });
  return fc
    .record({
      rotateAt: fc.integer(shape.rotateAtMs),
      crashes: fc.array(crash, { minLength: 1, maxLength: 2 }),
      others: fc.array(other, { maxLength: 3 }),
    })
    .map(({ rotateAt, crashes, others }) => {
      const fs: Fault[] = [{ kind: 'world', at: rotateAt, action: 'federation-rotate' }, ...others];
      for (const c of crashes) fs.push({ kind: 'crash', at: Math.max(1_000, rotateAt + c.offsetMs), node: c.node, restartAfterMs: c.downMs });
      return fs.sort((a, b) => a.at - b.at);
    });
}
