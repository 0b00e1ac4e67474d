// The nemesis's fault schedule, drawn from a seed: network faults on the Toxiproxy links (latency
// with jitter, bandwidth limits, connection resets, black holes, one- and two-way partitions),
// SIGKILL and SIGSTOP/SIGCONT of every kind of process, and a federation rotation, all healed
// before a quiet period. Pure data: the same seed gives the same schedule, which is also written as
// a simulator scenario (see toSimScenario) so the simulation can run the same faults.
import { SeededRng } from '../../src/kernel/rng.ts';

/** The processes the nemesis kills and pauses: an `alys node`, its Geth, btcd, the governance server. */
export type ProcessTarget = { readonly kind: 'node'; readonly node: number } | { readonly kind: 'geth'; readonly node: number } | { readonly kind: 'btcd' } | { readonly kind: 'governance' };

/** A link through Toxiproxy: node→node libp2p, or node→its Geth (Engine API), btcd, governance. */
export type LinkTarget = { readonly kind: 'p2p'; readonly from: number; readonly to: number } | { readonly kind: 'engine' | 'btcd' | 'governance'; readonly node: number };

export type NemesisFault =
  | { readonly kind: 'latency'; readonly link: LinkTarget; readonly latencyMs: number; readonly jitterMs: number }
  | { readonly kind: 'bandwidth'; readonly link: LinkTarget; readonly rateKBps: number }
  | { readonly kind: 'reset-peer'; readonly link: LinkTarget }
  | { readonly kind: 'black-hole'; readonly link: LinkTarget }
  /** Two-way: no connection between the groups. */
  | { readonly kind: 'partition'; readonly groups: readonly (readonly number[])[] }
  /** One-way: bytes from `from` to `to` are held (a black hole in one direction). */
  | { readonly kind: 'one-way-partition'; readonly from: number; readonly to: number }
  /** SIGKILL, then a restart after the fault's duration. */
  | { readonly kind: 'kill'; readonly target: ProcessTarget }
  /** SIGSTOP, then SIGCONT after the fault's duration. */
  | { readonly kind: 'pause'; readonly target: ProcessTarget }
  /** Governance rotates the federation to new keys (its key file extended, then SIGHUP). */
  | { readonly kind: 'rotate' };

export type ScheduledFault = NemesisFault & { readonly atMs: number; readonly durationMs: number };

export interface NemesisSchedule {
  readonly seed: string;
  readonly nodes: number;
  /** From the devnet's start (all components up) to the end of the run. */
  readonly durationMs: number;
  /** Faults start in [0, faultsUntilMs) and every one has healed by faultsUntilMs; then the quiet period. */
  readonly faultsUntilMs: number;
  readonly faults: readonly ScheduledFault[];
}

/** The fault kinds a schedule covers, process targets told apart: each appears at least once when there is room. */
export const FAULT_CLASSES = [
  'latency', 'bandwidth', 'reset-peer', 'black-hole', 'partition', 'one-way-partition',
  'kill:node', 'kill:geth', 'kill:btcd', 'kill:governance',
  'pause:node', 'pause:geth', 'pause:btcd', 'pause:governance',
  'rotate',
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

export function classOf(f: NemesisFault): FaultClass {
  if (f.kind === 'kill' || f.kind === 'pause') return `${f.kind}:${f.target.kind}`;
  return f.kind;
}

export function linkName(l: LinkTarget): string {
  return l.kind === 'p2p' ? `p2p-n${l.from}-n${l.to}` : `${l.kind}-n${l.node}`;
}

export function describeFault(f: ScheduledFault): string {
  const target = (t: ProcessTarget): string => (t.kind === 'node' ? `n${t.node}` : t.kind === 'geth' ? `geth of n${t.node}` : t.kind);
  const what = ((): string => {
    switch (f.kind) {
      case 'latency':
        return `latency ${f.latencyMs}±${f.jitterMs} ms on ${linkName(f.link)}`;
      case 'bandwidth':
        return `bandwidth ${f.rateKBps} KB/s on ${linkName(f.link)}`;
      case 'reset-peer':
        return `connection resets on ${linkName(f.link)}`;
      case 'black-hole':
        return `black hole on ${linkName(f.link)}`;
      case 'partition':
        return `partition ${f.groups.map((g) => g.map((n) => `n${n}`).join(',')).join(' | ')}`;
      case 'one-way-partition':
        return `one-way partition n${f.from} -> n${f.to}`;
      case 'kill':
        return `SIGKILL ${target(f.target)}`;
      case 'pause':
        return `SIGSTOP ${target(f.target)}`;
      case 'rotate':
        return 'federation rotation';
    }
  })();
  return `${(f.atMs / 1000).toFixed(1)}s ${what}${f.kind === 'rotate' ? '' : ` for ${(f.durationMs / 1000).toFixed(1)}s`}`;
}

/**
 * Draws a schedule: every fault class once (in a drawn order, when the fault window has room),
 * then more drawn at random, spread over the fault window; each lasts 3–12 s (kills 4–15 s before
 * the restart) and ends before the quiet period. At most one federation rotation per run.
 */
export function drawSchedule(o: { seed: string; nodes: number; durationMs: number; quietMs: number }): NemesisSchedule {
  const rng = new SeededRng(`nemesis:${o.seed}`);
  const n = o.nodes;
  const faultsUntilMs = o.durationMs - o.quietMs;
  if (faultsUntilMs < 20_000) throw new RangeError(`the nemesis needs at least 20 s of faults before its ${o.quietMs / 1000} s quiet period; --duration ${o.durationMs / 1000}s leaves ${faultsUntilMs / 1000} s`);
  const node = (): number => rng.int(n);
  const otherThan = (a: number): number => (a + 1 + rng.int(n - 1)) % n;
  const link = (): LinkTarget => {
    const k = rng.pick(['p2p', 'p2p', 'engine', 'btcd', 'governance'] as const);
    if (k !== 'p2p') return { kind: k, node: node() };
    const from = node();
    return { kind: 'p2p', from, to: otherThan(from) };
  };
  const proc = (kind: ProcessTarget['kind']): ProcessTarget => (kind === 'node' || kind === 'geth' ? { kind, node: node() } : { kind });
  const make = (c: FaultClass): NemesisFault => {
    switch (c) {
      case 'latency':
        return { kind: 'latency', link: link(), latencyMs: rng.range(50, 1_500), jitterMs: rng.range(0, 500) };
      case 'bandwidth':
        return { kind: 'bandwidth', link: link(), rateKBps: rng.range(1, 64) };
      case 'reset-peer':
        return { kind: 'reset-peer', link: link() };
      case 'black-hole':
        return { kind: 'black-hole', link: link() };
      case 'partition': {
        const alone = node();
        return { kind: 'partition', groups: [[alone], Array.from({ length: n }, (_, i) => i).filter((i) => i !== alone)] };
      }
      case 'one-way-partition': {
        const from = node();
        return { kind: 'one-way-partition', from, to: otherThan(from) };
      }
      case 'rotate':
        return { kind: 'rotate' };
      default: {
        const [kind, target] = c.split(':') as ['kill' | 'pause', ProcessTarget['kind']];
        return { kind, target: proc(target) };
      }
    }
  };
  const covering = rng.shuffle(FAULT_CLASSES.filter((c) => n > 1 || !['partition', 'one-way-partition'].includes(c)));
  const extra = FAULT_CLASSES.filter((c) => c !== 'rotate' && (n > 1 || !['partition', 'one-way-partition'].includes(c)));
  // One fault starts about every 7 s; the whole cover first.
  const count = Math.max(1, Math.floor((faultsUntilMs - 12_000) / 7_000));
  const classes = [...covering.slice(0, count)];
  while (classes.length < count) classes.push(rng.pick(extra));
  const spacing = (faultsUntilMs - 15_000) / classes.length;
  const faults: ScheduledFault[] = classes.map((c, i) => {
    const f = make(c);
    const atMs = Math.floor(i * spacing + rng.range(0, Math.floor(spacing / 2)));
    const durationMs = f.kind === 'rotate' ? 0 : f.kind === 'kill' ? rng.range(4_000, 15_000) : rng.range(3_000, 12_000);
    return { ...f, atMs, durationMs: Math.min(durationMs, faultsUntilMs - atMs - 1_000) };
  });
  return { seed: o.seed, nodes: n, durationMs: o.durationMs, faultsUntilMs, faults };
}
