// Every link of a nemesis devnet goes through Toxiproxy: node→node libp2p (one proxy per direction,
// each node dials its peers only through them and announces no address of its own), and each
// node's links to its Geth's Engine API, to btcd's RPC and to the governance server. The network
// faults of the schedule are toxics on these proxies, or the proxies disabled (a partition).
import type { ToxiproxyClient, ToxicSpec } from '../toxiproxy.ts';
import { type LinkTarget, type NemesisFault, linkName } from './schedule.ts';

export interface NemesisLinks {
  /** host:port a node reaches each link at. */
  readonly listen: ReadonlyMap<string, string>;
  /** Applies a network fault; returns the function that heals it. */
  apply(id: string, f: NemesisFault): Promise<() => Promise<void>>;
}

const hostPort = (s: string): string => s.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

export async function createLinks(
  tp: ToxiproxyClient,
  o: { readonly p2pPorts: readonly number[]; readonly engine: readonly string[]; readonly btcd: string; readonly governance: string },
): Promise<NemesisLinks> {
  const listen = new Map<string, string>();
  const create = async (l: LinkTarget, upstream: string): Promise<void> => {
    const p = await tp.createProxy({ name: linkName(l), upstream: hostPort(upstream) });
    listen.set(p.name, p.listen);
  };
  const n = o.p2pPorts.length;
  for (let from = 0; from < n; from++) {
    for (let to = 0; to < n; to++) if (from !== to) await create({ kind: 'p2p', from, to }, `127.0.0.1:${o.p2pPorts[to]}`);
    await create({ kind: 'engine', node: from }, o.engine[from] as string);
    await create({ kind: 'btcd', node: from }, o.btcd);
    await create({ kind: 'governance', node: from }, o.governance);
  }
  // Overlapping partitions may cut one proxy twice: it is enabled again when the last one heals.
  const cuts = new Map<string, number>();
  const cut = async (name: string): Promise<void> => {
    const c = cuts.get(name) ?? 0;
    cuts.set(name, c + 1);
    if (c === 0) await tp.setEnabled(name, false);
  };
  const uncut = async (name: string): Promise<void> => {
    const c = (cuts.get(name) ?? 1) - 1;
    cuts.set(name, c);
    if (c === 0) await tp.setEnabled(name, true);
  };
  const toxics = async (proxy: string, id: string, spec: ToxicSpec, streams: ReadonlyArray<'upstream' | 'downstream'>): Promise<() => Promise<void>> => {
    for (const stream of streams) await tp.addToxic(proxy, { ...spec, name: `${id}-${stream}`, stream });
    return async () => {
      for (const stream of streams) await tp.removeToxic(proxy, `${id}-${stream}`).catch(() => undefined);
    };
  };
  const both = ['upstream', 'downstream'] as const;
  return {
    listen,
    async apply(id, f) {
      switch (f.kind) {
        case 'latency':
          return toxics(linkName(f.link), id, { type: 'latency', attributes: { latency: f.latencyMs, jitter: f.jitterMs } }, both);
        case 'bandwidth':
          return toxics(linkName(f.link), id, { type: 'bandwidth', attributes: { rate: f.rateKBps } }, both);
        case 'reset-peer':
          return toxics(linkName(f.link), id, { type: 'reset_peer', attributes: { timeout: 0 } }, ['downstream']);
        case 'black-hole':
          return toxics(linkName(f.link), id, { type: 'timeout', attributes: { timeout: 0 } }, both);
        case 'partition': {
          const names: string[] = [];
          for (const [gi, g] of f.groups.entries()) {
            for (const [hi, h] of f.groups.entries()) {
              if (gi === hi) continue;
              for (const a of g) for (const b of h) names.push(linkName({ kind: 'p2p', from: a, to: b }));
            }
          }
          for (const name of names) await cut(name);
          return async () => {
            for (const name of names) await uncut(name);
          };
        }
        case 'one-way-partition': {
          // Bytes from `from` to `to`: upstream on from's dial to `to`, downstream on to's dial to `from`.
          const healA = await toxics(linkName({ kind: 'p2p', from: f.from, to: f.to }), id, { type: 'timeout', attributes: { timeout: 0 } }, ['upstream']);
          const healB = await toxics(linkName({ kind: 'p2p', from: f.to, to: f.from }), id, { type: 'timeout', attributes: { timeout: 0 } }, ['downstream']);
          return async () => {
            await healA();
            await healB();
          };
        }
        default:
          throw new Error(`${f.kind} is not a network fault`);
      }
    },
  };
}
