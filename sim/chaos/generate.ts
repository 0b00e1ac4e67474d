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
  // Kinds added later draw nothing from the seed while their rate is 0, so schedules (and trace
  // hashes) of scenarios that do not ask for them stay as they were.
  const diskFaults = [
    ['bit-flip', rates.bitFlip],
    ['misdirected-write', rates.misdirectedWrite],
    ['lost-write', rates.lostWrite],
  ] as const;
  for (const [fault, rate] of diskFaults) {
    for (let i = count(rate); i > 0; i--) out.push({ kind: 'disk-fault', at: time(), node: rng.pick(nodes), fault, prefix: rates.diskFaultPrefix });
  }
  const lasting = [
    ['governance-down', rates.governanceOutage],
    ['governance-byzantine', rates.governanceByzantine],
    ['governance-slow', rates.governanceSlow],
    ['emergency-pause', rates.emergencyPause],
  ] as const;
  for (const [action, rate] of lasting) {
    for (let i = count(rate); i > 0; i--) {
      const at = time();
      out.push({ kind: 'world', at, action, durationMs: clampDur(at, dur()) });
    }
  }
  for (let i = count(rates.bitcoinReorg); i > 0; i--) out.push({ kind: 'world', at: time(), action: 'bitcoin-reorg' });
  for (let i = count(rates.federationRotation); i > 0; i--) out.push({ kind: 'world', at: time(), action: 'federation-rotate' });
  for (let i = count(rates.engineFaults); i > 0; i--) {
    const at = time();
    out.push({ kind: 'app', at, node: rng.pick(nodes), action: rng.pick(engineFaultActions), durationMs: clampDur(at, dur()) });
  }
  for (let i = count(rates.bitcoinNodeDown); i > 0; i--) {
    const at = time();
    out.push({ kind: 'app', at, node: rng.pick(nodes), action: 'bitcoin-down', durationMs: clampDur(at, dur()) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The chain app's execution-client faults (sim/chain/app.ts faultActions). */
export const engineFaultActions = ['engine-syncing', 'engine-invalid', 'engine-down'] as const;

/** The probe each fault raises when it fires (`fault.<kind>`, and the action of app and world faults). */
export function faultProbe(f: Fault): string {
  if (f.kind === 'world' || f.kind === 'app') return `fault.${f.kind}.${f.action}`;
  if (f.kind === 'disk-fault') return `fault.disk.${f.fault}`;
  return `fault.${f.kind}`;
}

/** Probes of the fault kinds these rates can draw: a swarm reports those that never fired. */
export function rateProbes(rates: FaultRates): string[] {
  const out: string[] = [];
  const add = (rate: number, ...probes: string[]): void => {
    if (rate > 0) out.push(...probes);
  };
  add(rates.partition, 'fault.partition');
  add(rates.isolate, 'fault.isolate');
  add(rates.blockLink, 'fault.block-link');
  add(rates.crash, 'fault.crash');
  add(rates.clockSkew, 'fault.clock-skew');
  add(rates.degradeNetwork, 'fault.degrade-network');
  add(rates.storageErrors, 'fault.storage-errors');
  add(rates.bitFlip, 'fault.disk.bit-flip');
  add(rates.misdirectedWrite, 'fault.disk.misdirected-write');
  add(rates.lostWrite, 'fault.disk.lost-write');
  add(rates.governanceOutage, 'fault.world.governance-down');
  add(rates.governanceByzantine, 'fault.world.governance-byzantine');
  add(rates.governanceSlow, 'fault.world.governance-slow');
  add(rates.bitcoinReorg, 'fault.world.bitcoin-reorg');
  add(rates.federationRotation, 'fault.world.federation-rotate');
  add(rates.emergencyPause, 'fault.world.emergency-pause');
  add(rates.engineFaults, ...engineFaultActions.map((a) => `fault.app.${a}`));
  add(rates.bitcoinNodeDown, 'fault.app.bitcoin-down');
  return out;
}

/** Swarm testing: each seed switches fault kinds on or off and scales their rates. */
export function drawRates(base: FaultRates, rng: Rng): FaultRates {
  const scale = (r: number): number => (rng.chance(0.5) ? 0 : r * (0.25 + rng.next() * 1.75));
  const scaleIfAsked = (r: number): number => (r === 0 ? 0 : scale(r));
  return {
    ...base,
    partition: scale(base.partition),
    isolate: scale(base.isolate),
    blockLink: scale(base.blockLink),
    crash: scale(base.crash),
    clockSkew: scale(base.clockSkew),
    degradeNetwork: scale(base.degradeNetwork),
    storageErrors: scale(base.storageErrors),
    // Draws only for the kinds a scenario asks for, so older scenarios' draws stay the same.
    bitFlip: scaleIfAsked(base.bitFlip),
    misdirectedWrite: scaleIfAsked(base.misdirectedWrite),
    lostWrite: scaleIfAsked(base.lostWrite),
    governanceOutage: scaleIfAsked(base.governanceOutage),
    governanceByzantine: scaleIfAsked(base.governanceByzantine),
    governanceSlow: scaleIfAsked(base.governanceSlow),
    bitcoinReorg: scaleIfAsked(base.bitcoinReorg),
    federationRotation: scaleIfAsked(base.federationRotation),
    emergencyPause: scaleIfAsked(base.emergencyPause),
    engineFaults: scaleIfAsked(base.engineFaults),
    bitcoinNodeDown: scaleIfAsked(base.bitcoinNodeDown),
  };
}
