// What a SIGHUP means for the node config itself: every live setting is in the features file, which
// reloads; the node config (listen addresses, peers, chain, execution, bridge, timeouts) is read once
// at start. So a changed config file is not applied in part: the node names the fields that differ
// and that a restart would pick up, rather than leaving the operator to guess.
import type { NodeConfig } from './config.ts';

/** Dotted paths of the fields whose values differ between the running config and the file's. */
export function fieldsNeedingRestart(running: NodeConfig, onDisk: NodeConfig): string[] {
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
