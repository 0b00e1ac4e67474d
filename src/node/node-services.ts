// What a running node serves beyond its actors: JSON-RPC (miners', users' and operators' methods),
// the peg figures /metrics reads, its start and stop, and feature reloads. Each is an input on the IO
// boundary, so it runs as a scheduler event and a recording holds it; the running node and
// `alys replay` both build them here, under the same names.
import { type PegInMsg, pegInActorName } from '../actors/peg-in-actor.ts';
import type { Federation } from '../bridge/federation.ts';
import type { Boundary } from '../io/boundary.ts';
import type { BitcoinClient } from '../io/bitcoin.ts';
import type { AssembledNode } from './assemble.ts';
import { callAdminMethod, isAdminMethod, tokenMatches } from './admin-methods.ts';
import type { Features } from './features.ts';
import { type PegCounters, pegCounters } from './peg-report.ts';
import { callRpcMethod } from './rpc-methods.ts';

/**
 * What a recording keeps of an admin bearer: whether it was the right token, never the token. A
 * replay runs with this stand-in as its token and the same stand-ins as bearers, so each call is
 * allowed or refused as it was.
 */
export const ADMIN_TOKEN_STAND_IN = '<the admin token>';
const WRONG_TOKEN_STAND_IN = '<a wrong token>';

export interface NodeServiceOptions {
  readonly node: AssembledNode;
  readonly boundary: Boundary;
  readonly adminToken: string | undefined;
  readonly bridge?: { readonly bitcoin: BitcoinClient; readonly federation: Federation; readonly confirmations: number };
  /** The runtime's own figures for `status` (transport peers, execution health): a read of the world. */
  readonly statusExtras: () => Record<string, unknown>;
  /** Writes a backup (admin_backup): an effect on the world. */
  readonly backup: (path: string) => Promise<unknown>;
}

export interface NodeServices {
  start(): Promise<void>;
  stop(): Promise<void>;
  call(method: string, params: readonly unknown[], bearer: string | undefined): Promise<unknown>;
  pegCounters(): Promise<PegCounters>;
  federationBalanceSats(): Promise<bigint>;
  applyFeatures(next: Features): Promise<readonly string[]>;
}

export function nodeServices(o: NodeServiceOptions): NodeServices {
  const { node, boundary: b } = o;
  const ctx = {
    system: node.system,
    ...(o.bridge !== undefined ? { depositConfirmations: o.bridge.confirmations } : {}),
    chainView: () => node.chainView(),
    bridgeView: () => node.bridgeView(),
    // The current federation's: after a rotation governance announced, deposits go to the new address.
    get depositAddress() {
      return o.bridge === undefined ? undefined : (node.bridgeView()?.federationAddress ?? o.bridge.federation.address);
    },
    status: () => ({
      ...b.read('node.status', o.statusExtras),
      events: Object.fromEntries([...node.probes].sort(([a], [c]) => a.localeCompare(c))),
      features: { generation: node.features.generation(), engineMode: node.features.current().lighthouseV5.mode, rolloutPercent: node.rolloutView()?.percent ?? null },
    }),
  };
  const adminCtx = {
    system: node.system,
    token: o.adminToken === undefined ? undefined : ADMIN_TOKEN_STAND_IN,
    backup: (path: string) => b.call('admin.backup', [path], () => o.backup(path)),
  };
  const rpc = b.listen('rpc', (method: string, params: readonly unknown[], bearer: string | undefined) =>
    isAdminMethod(method) ? callAdminMethod(adminCtx, method, params, bearer) : callRpcMethod(ctx, method, params),
  );
  const bridge = o.bridge;
  return {
    start: b.listen('node.start', (): void => void node.system.start()),
    stop: b.listen('node.stop', () => node.system.shutdown()),
    call: (method, params, bearer) => rpc(method, params, bearer === undefined ? undefined : tokenMatches(o.adminToken, bearer) ? ADMIN_TOKEN_STAND_IN : WRONG_TOKEN_STAND_IN),
    pegCounters: b.listen('metrics.peg-counters', async () => pegCounters(node.bridgeView(), await node.system.ref<PegInMsg>(pegInActorName).ask({ type: 'stats' }, 10_000), node.chainView())),
    federationBalanceSats: b.listen('metrics.federation-balance', async () =>
      bridge === undefined ? 0n : (await bridge.bitcoin.listUnspent(bridge.federation.scriptPubKey, 0)).reduce((t, u) => t + u.amountSats, 0n),
    ),
    applyFeatures: b.listen('features', (next: Features) => node.features.apply(next)),
  };
}
