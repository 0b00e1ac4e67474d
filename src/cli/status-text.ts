// `alys status` for a person: the node's `status` answer as a few aligned lines, with a progress bar
// while it syncs. Pure, so the rendering is tested without a node.
import { z } from 'zod';
import { percentOf } from '../sync/progress-report.ts';

const count = z.number().int().nonnegative();

/** What the renderer reads of a `status` answer; anything else in it is ignored. */
export const nodeStatusSchema = z.object({
  head: z.object({ height: count, hash: z.string() }).nullable(),
  finalized: z.number().int().min(-1).nullable(),
  sync: z.object({ state: z.string(), currentHeight: count, targetHeight: count, blocksPerSec: z.number().optional(), peerCount: count.optional() }).nullable(),
  peers: count.optional(),
  peerId: z.string().optional(),
  authority: z.string().nullable().optional(),
  producedBlocks: count.optional(),
  pegs: z
    .object({
      pegIns: z.object({ found: count, minted: count, rejected: count }).optional(),
      pegOuts: z.object({ operations: count, completed: count, refused: count }).optional(),
      paused: z.boolean().optional(),
    })
    .nullable()
    .optional(),
  features: z.object({ engineMode: z.string().optional(), rolloutPercent: z.number().nullable().optional() }).optional(),
});

export type NodeStatusView = z.infer<typeof nodeStatusSchema>;

/** A fixed-width bar: `[########------------]`. */
export function progressBar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.floor(fraction * width)));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const short = (hash: string): string => (hash.length > 18 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash);

export function renderStatus(s: NodeStatusView): string[] {
  const lines: string[] = [];
  const row = (label: string, text: string): void => void lines.push(`${label.padEnd(10)}${text}`);
  const sy = s.sync;
  if (sy === null) row('sync', 'not started');
  else if (sy.state === 'synced') row('sync', `synced at ${sy.currentHeight}`);
  else {
    const pct = percentOf(sy.currentHeight, sy.targetHeight);
    const rate = sy.blocksPerSec === undefined ? '' : `  ${sy.blocksPerSec.toFixed(1)} blocks/s`;
    const bar = sy.targetHeight > 0 ? `${progressBar(sy.currentHeight / sy.targetHeight)} ${pct} %  ` : '';
    row('sync', `${sy.state} ${bar}${sy.currentHeight}/${sy.targetHeight}${rate}`);
  }
  row('head', s.head === null ? 'none yet' : `${s.head.height} ${short(s.head.hash)}`);
  if (s.finalized === null || s.finalized < 0) row('finalized', 'none yet');
  else row('finalized', `${s.finalized}${s.head === null ? '' : ` (${Math.max(0, s.head.height - s.finalized)} behind the head)`}`);
  if (s.peers !== undefined) row('peers', `${s.peers}${sy?.peerCount !== undefined ? ` (${sy.peerCount} serving sync)` : ''}`);
  if (s.producedBlocks !== undefined) row('produced', `${s.producedBlocks} blocks${s.authority === null || s.authority === undefined ? ' (not an authority)' : ''}`);
  const pegs = s.pegs;
  if (pegs === null || pegs === undefined) row('pegs', 'no bridge on this node');
  else {
    const i = pegs.pegIns;
    const o = pegs.pegOuts;
    row('peg-ins', i === undefined ? '?' : `${i.found} found, ${i.minted} minted, ${i.rejected} rejected`);
    row('peg-outs', `${o === undefined ? '?' : `${o.operations} operations, ${o.completed} completed, ${o.refused} refused`}${pegs.paused === true ? ' (PAUSED)' : ''}`);
  }
  if (s.features?.engineMode !== undefined) row('engine', `${s.features.engineMode}${s.features.engineMode === 'rollout' && typeof s.features.rolloutPercent === 'number' ? `, V3 rollout ${s.features.rolloutPercent} %` : ''}`);
  if (s.peerId !== undefined) row('peer id', s.peerId);
  return lines;
}
