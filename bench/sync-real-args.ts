// The arguments of `alys bench sync --real`, parsed into its options (pure, so tested alone).
import { UsageError } from '../src/cli/errors.ts';
import type { LinkSettings } from './sync-real-link.ts';

export interface RealSyncArgs {
  readonly blocks: number;
  readonly strategies: ReadonlyArray<'parallel' | 'sequential'>;
  readonly timeoutMs: number;
  readonly link: LinkSettings;
  readonly peers: number;
  readonly txsPerBlock: number;
  readonly callsPerBlock: number;
}

function wholeNumber(v: string | undefined, flag: string, min: number): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number${min > 0 ? ' above 0' : ', 0 or more'}, got '${v ?? ''}'`);
  return n;
}

/** `v`: parseArgs values of `alys bench sync` (strings as typed; undefined where not given). */
export function parseRealSyncArgs(v: { readonly blocks?: string; readonly strategy?: string; readonly 'timeout-s'?: string; readonly rtt?: string; readonly 'bandwidth-kbps'?: string; readonly peers?: string; readonly 'txs-per-block'?: string; readonly 'calls-per-block'?: string }): RealSyncArgs {
  if (v.strategy !== undefined && v.strategy !== 'parallel' && v.strategy !== 'sequential') throw new UsageError(`--strategy must be parallel or sequential, got '${v.strategy}'`);
  const rttMs = wholeNumber(v.rtt ?? '50', '--rtt', 0);
  if (rttMs % 2 !== 0) throw new UsageError(`--rtt must be even (half of it is added each way), got ${rttMs}`);
  return {
    blocks: wholeNumber(v.blocks ?? '5000', '--blocks', 1),
    strategies: v.strategy === 'parallel' || v.strategy === 'sequential' ? [v.strategy] : ['parallel', 'sequential'],
    timeoutMs: wholeNumber(v['timeout-s'] ?? '900', '--timeout-s', 1) * 1000,
    link: { rttMs, bandwidthKBps: wholeNumber(v['bandwidth-kbps'] ?? '400', '--bandwidth-kbps', 1) },
    peers: wholeNumber(v.peers ?? '3', '--peers', 1),
    txsPerBlock: wholeNumber(v['txs-per-block'] ?? '100', '--txs-per-block', 0),
    callsPerBlock: wholeNumber(v['calls-per-block'] ?? '3', '--calls-per-block', 0),
  };
}
