// Draws a fault schedule from rates with the seed's RNG. Swarm testing also draws the rates
// themselves per seed (some seeds get no partitions at all, others many), which finds bugs that a
// fixed mix of faults hides.
import type { Rng } from '../../src/kernel/rng.ts';
import type { FaultRates } from '../scenario.ts';
import type { Fault } from './faults.ts';

export function drawSchedule(
  rates: FaultRates,
  window: { startMs: number; endMs: number },
  nodes: readonly string[],
  rng: Rng,
): Fault[] {
  const out: Fault[] = [];
  const minutes = (window.endMs - window.startMs) / 60_000;
  const span = window.endMs - window.startMs;
  const dur = (): number => rng.range(rates.minDurationMs, rates.maxDurationMs);
  const count = (perMinute: number): number => {
    const mean = perMinute * minutes;
    let n = Math.floor(mean);
    if (rng.chance(mean - n)) n++;
    return n;
  };
  const time = (): number => window.startMs + rng.int(Math.max(1, span));
  const clampDur = (at: number, d: number): number => Math.max(1, Math.min(d, window.endMs - at));
  for (let i = count(rates.partition); i > 0; i--) {
    const shuffled = rng.shuffle(nodes);
    const cut = 1 + rng.int(Math.max(1, shuffled.length - 1));
    const at = time();
    out.push({ kind: 'partition', at, groups: [shuffled.slice(0, cut), shuffled.slice(cut)], durationMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.isolate); i > 0; i--) {
    const at = time();
    out.push({ kind: 'isolate', at, node: rng.pick(nodes), durationMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.blockLink); i > 0; i--) {
    const from = rng.pick(nodes);
    const to = rng.pick(nodes.filter((n) => n !== from).concat(nodes.length === 1 ? [from] : []));
    const at = time();
    out.push({ kind: 'block-link', at, from, to, durationMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.crash); i > 0; i--) {
    const at = time();
    out.push({ kind: 'crash', at, node: rng.pick(nodes), restartAfterMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.clockSkew); i > 0; i--) {
    const at = time();
    out.push({ kind: 'clock-skew', at, node: rng.pick(nodes), skewMs: rng.range(-2_000, 2_000), durationMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.degradeNetwork); i > 0; i--) {
    const at = time();
    out.push({
      kind: 'degrade-network',
      at,
      loss: rng.next() * 0.3,
      duplicate: rng.next() * 0.2,
      reorder: rng.next() * 0.3,
      durationMs: clampDur(at, dur()),
    });
  }
  for (let i = count(rates.storageErrors); i > 0; i--) {
    const at = time();
    out.push({ kind: 'storage-errors', at, node: rng.pick(nodes), probability: rng.next() * 0.2, durationMs: clampDur(at, dur()) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Swarm testing: each seed switches fault kinds on or off and scales their rates. */
export function drawRates(base: FaultRates, rng: Rng): FaultRates {
  const scale = (r: number): number => (rng.chance(0.5) ? 0 : r * (0.25 + rng.next() * 1.75));
  return {
    ...base,
    partition: scale(base.partition),
    isolate: scale(base.isolate),
    blockLink: scale(base.blockLink),
    crash: scale(base.crash),
    clockSkew: scale(base.clockSkew),
    degradeNetwork: scale(base.degradeNetwork),
    storageErrors: scale(base.storageErrors),
  };
}
