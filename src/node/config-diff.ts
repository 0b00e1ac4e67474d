// What a SIGHUP means for the node config itself. The feature flags live in the features file, which
// reloads by itself. Of the node config, the peer list and the RPC server's limits apply to a running
// node; every other field (listen addresses, the chain, the execution client, the bridge) is read once at
// start. So a changed config is applied in part: the live fields at once, and the node names the rest,
// which a restart would pick up, rather than leaving the operator to guess.
import type { NodeConfig } from './config.ts';

/** The fields a running node applies on SIGHUP. */
export const LIVE_CONFIG_FIELDS = ['network.bootstrap', 'rpc.maxBatch', 'rpc.maxBodyBytes', 'rpc.maxConnections'] as const;
export type LiveConfigField = (typeof LIVE_CONFIG_FIELDS)[number];

/** Dotted paths of the fields whose values differ between the running config and the file's. */
export function changedFields(running: NodeConfig, onDisk: NodeConfig): string[] {
  // Objects by key, leaves and arrays (a peer list is one setting) by value.
  const out: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (isObject(x) && isObject(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[k], y[k], path === '' ? k : `${path}.${k}`);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(path);
  };
  walk(running, onDisk, '');
  return out;
}

export interface ConfigReloadPlan {
  /** Changed fields the node applies now. */
  readonly live: readonly LiveConfigField[];
  /** Changed fields that take effect at the next start. */
  readonly restart: readonly string[];
  /** The config the node runs with after applying the live fields: the next reload is compared with it. */
  readonly applied: NodeConfig;
}

const isLive = (path: string): path is LiveConfigField => (LIVE_CONFIG_FIELDS as readonly string[]).includes(path);

export function planConfigReload(running: NodeConfig, onDisk: NodeConfig): ConfigReloadPlan {
  const changed = changedFields(running, onDisk);
  const live = changed.filter(isLive);
  const restart = changed.filter((f) => !isLive(f));
  const applied: NodeConfig = {
    ...running,
    network: { ...running.network, bootstrap: onDisk.network.bootstrap },
    rpc: { ...running.rpc, maxBatch: onDisk.rpc.maxBatch, maxBodyBytes: onDisk.rpc.maxBodyBytes, maxConnections: onDisk.rpc.maxConnections },
  };
  return { live, restart, applied };
}

/** The log line for a reload: what was applied and what needs a restart; undefined when nothing changed. */
export function reloadLine(path: string, plan: ConfigReloadPlan): string | undefined {
  if (plan.live.length === 0 && plan.restart.length === 0) return undefined;
  const parts: string[] = [];
  if (plan.live.length > 0) parts.push(`applied ${plan.live.join(', ')}`);
  if (plan.restart.length > 0) parts.push(`${plan.restart.join(', ')} changed and need${plan.restart.length === 1 ? 's' : ''} a restart`);
  return `config: ${path} reloaded: ${parts.join('; ')}`;
}
