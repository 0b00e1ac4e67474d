// A nemesis schedule as a simulator scenario, so `alys sim --scenario <file>` runs the same faults
// at the same times on the simulated world (the bridge app: the chain, Bitcoin, governance and
// users). Each real fault maps to the sim's nearest fault kind; what the simulated world cannot
// model is left out and named in the scenario's description and in `unmapped`.
import type { Fault } from '../../sim/chaos/faults.ts';
import { type ScenarioInput, parseScenario } from '../../sim/scenario.ts';
import { type NemesisSchedule, type ScheduledFault, describeFault } from './schedule.ts';

const id = (n: number): string => `n${n}`;

/** The sim faults one nemesis fault becomes, or why there are none. */
export function simFaultsOf(f: ScheduledFault): Fault[] | string {
  const at = f.atMs;
  const durationMs = Math.max(1, f.durationMs);
  switch (f.kind) {
    case 'latency':
      return 'per-link latency has no sim fault (the sim sets latency for the whole network in the scenario)';
    case 'bandwidth':
      return 'per-link bandwidth limits have no sim fault';
    case 'reset-peer':
    case 'black-hole': {
      const l = f.link;
      if (l.kind === 'p2p') return [{ kind: 'block-link', at, from: id(l.from), to: id(l.to), durationMs }, { kind: 'block-link', at, from: id(l.to), to: id(l.from), durationMs }];
      if (l.kind === 'engine') return [{ kind: 'app', at, node: id(l.node), action: 'engine-down', durationMs }];
      if (l.kind === 'governance') return `one node's governance link has no sim fault (governance-down cuts every node)`;
      return `one node's Bitcoin RPC link has no sim fault`;
    }
    case 'partition':
      return [{ kind: 'partition', at, groups: f.groups.map((g) => g.map(id)), durationMs }];
    case 'one-way-partition':
      return [{ kind: 'block-link', at, from: id(f.from), to: id(f.to), durationMs }];
    case 'kill':
    case 'pause': {
      const t = f.target;
      if (t.kind === 'node') return f.kind === 'kill' ? [{ kind: 'crash', at, node: id(t.node), restartAfterMs: durationMs }] : [{ kind: 'isolate', at, node: id(t.node), durationMs }];
      if (t.kind === 'geth') return [{ kind: 'app', at, node: id(t.node), action: 'engine-down', durationMs }];
      if (t.kind === 'governance') return [{ kind: 'world', at, action: 'governance-down', durationMs }];
      return 'btcd down has no sim fault (the simulated Bitcoin is always reachable)';
    }
    case 'rotate':
      return [{ kind: 'world', at, action: 'federation-rotate' }];
  }
}

export function toSimScenario(s: NemesisSchedule, o: { readonly livenessWindowMs: number; readonly reproduce: string }): ScenarioInput & { unmapped: string[] } {
  const schedule: Fault[] = [];
  const unmapped: string[] = [];
  for (const f of s.faults) {
    const m = simFaultsOf(f);
    if (typeof m === 'string') unmapped.push(`${describeFault(f)}: ${m}`);
    else schedule.push(...m);
  }
  schedule.sort((a, b) => a.at - b.at);
  const input: ScenarioInput = {
    name: `nemesis-${s.seed}`,
    description: `The fault schedule of \`${o.reproduce}\` on the simulated world. Not modelled: ${unmapped.length === 0 ? 'nothing' : unmapped.join('; ')}.`,
    app: 'bridge',
    nodes: s.nodes,
    durationMs: s.durationMs,
    livenessWindowMs: o.livenessWindowMs,
    network: { latencyMs: 5, jitterMs: 5 },
    chain: { slotDurationMs: 2_000, minerEveryMs: 4_000 },
    bridge: { confirmations: 2, bitcoinBlockEveryMs: 4_000, depositEveryMs: 5_000, burnEveryMs: 7_000, minPegOutSats: 1_000_000 },
    faults: { schedule },
  };
  // Refuses here, not in `alys sim`, a schedule the simulator would not take.
  parseScenario(input, 'nemesis scenario');
  return { ...input, unmapped };
}
