// Faults as data. A schedule is a list of timed faults; a fault with a duration heals itself. The
// world applies them as scheduler events, so a seed plus a schedule reproduces a run exactly, and
// fast-check can shrink a failing schedule to a small one.
import { z } from 'zod';

const nodeId = z.string().min(1);
const at = z.number().int().nonnegative();
const duration = z.number().int().positive().optional();

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('partition'), at, groups: z.array(z.array(nodeId).min(1)).min(2), durationMs: duration }),
  z.object({ kind: z.literal('isolate'), at, node: nodeId, durationMs: duration }),
  z.object({ kind: z.literal('block-link'), at, from: nodeId, to: nodeId, durationMs: duration }),
  z.object({ kind: z.literal('heal'), at }),
  z.object({ kind: z.literal('crash'), at, node: nodeId, restartAfterMs: duration }),
  z.object({ kind: z.literal('restart'), at, node: nodeId }),
  z.object({ kind: z.literal('clock-skew'), at, node: nodeId, skewMs: z.number().int(), durationMs: duration }),
  z.object({
    kind: z.literal('degrade-network'),
    at,
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    reorder: z.number().min(0).max(1).default(0),
    durationMs: duration,
  }),
  /** An app-specific fault (for the chain: the execution client answers SYNCING, INVALID, or not at all). */
  z.object({ kind: z.literal('app'), at, node: nodeId, action: z.string().min(1), durationMs: duration }),
  /** A fault of a world-level process no node owns (governance down or Byzantine, a Bitcoin reorg). */
  z.object({ kind: z.literal('world'), at, action: z.string().min(1), durationMs: duration }),
  z.object({
    kind: z.literal('storage-errors'),
    at,
    node: nodeId,
    probability: z.number().min(0).max(1),
    durationMs: duration,
  }),
  /**
   * A disk fault at a named fault point of one node's disk (src/io/sim/storage.ts): `bit-flip` flips
   * one bit of a stored value at rest; `misdirected-write` sends the node's next write of a value to
   * another of its keys; `lost-write` acknowledges the next write and drops it. `prefix` limits the
   * fault to keys starting with it (e.g. `chain/h/`); a fault with nothing to hit does nothing.
   */
  z.object({
    kind: z.literal('disk-fault'),
    at,
    node: nodeId,
    fault: z.enum(['bit-flip', 'misdirected-write', 'lost-write']),
    prefix: z.string().default(''),
  }),
]);

export type Fault = z.infer<typeof faultSchema>;
export type FaultKind = Fault['kind'];

export const faultKinds: readonly FaultKind[] = [
  'partition',
  'isolate',
  'block-link',
  'heal',
  'crash',
  'restart',
  'clock-skew',
  'degrade-network',
  'storage-errors',
  'disk-fault',
  'app',
  'world',
];

/** When every fault of the schedule has healed: the start of the liveness window. */
export function healTime(schedule: readonly Fault[]): number {
  let t = 0;
  const openCut = { active: false };
  const down = new Set<string>();
  for (const f of [...schedule].sort((a, b) => a.at - b.at)) {
    switch (f.kind) {
      case 'partition':
      case 'isolate':
      case 'block-link':
        if (f.durationMs === undefined) openCut.active = true;
        t = Math.max(t, f.at + (f.durationMs ?? 0));
        break;
      case 'heal':
        openCut.active = false;
        t = Math.max(t, f.at);
        break;
      case 'crash':
        if (f.restartAfterMs === undefined) down.add(f.node);
        t = Math.max(t, f.at + (f.restartAfterMs ?? 0));
        break;
      case 'restart':
        down.delete(f.node);
        t = Math.max(t, f.at);
        break;
      case 'disk-fault':
        t = Math.max(t, f.at);
        break;
      case 'clock-skew':
      case 'degrade-network':
      case 'storage-errors':
      case 'app':
      case 'world':
        t = Math.max(t, f.at + (f.durationMs ?? 0));
        break;
    }
  }
  // A cut that is never healed never heals: liveness is then judged from the end of the schedule,
  // and the scenario must not ask for liveness across it (validated with the scenario).
  return t;
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'partition':
      return `partition ${f.groups.map((g) => g.join(',')).join(' | ')}${f.durationMs ? ` for ${f.durationMs}ms` : ''}`;
    case 'isolate':
      return `isolate ${f.node}${f.durationMs ? ` for ${f.durationMs}ms` : ''}`;
    case 'block-link':
      return `block ${f.from}->${f.to}${f.durationMs ? ` for ${f.durationMs}ms` : ''}`;
    case 'heal':
      return 'heal';
    case 'crash':
      return `crash ${f.node}${f.restartAfterMs ? `, restart after ${f.restartAfterMs}ms` : ''}`;
    case 'restart':
      return `restart ${f.node}`;
    case 'clock-skew':
      return `skew ${f.node} by ${f.skewMs}ms`;
    case 'degrade-network':
      return `network loss=${f.loss} dup=${f.duplicate} reorder=${f.reorder}`;
    case 'storage-errors':
      return `storage errors on ${f.node} p=${f.probability}`;
    case 'disk-fault':
      return `${f.fault} on ${f.node}${f.prefix === '' ? '' : ` under ${f.prefix}`}`;
    case 'app':
      return `${f.action} on ${f.node}${f.durationMs ? ` for ${f.durationMs}ms` : ''}`;
    case 'world':
      return `${f.action}${f.durationMs ? ` for ${f.durationMs}ms` : ''}`;
  }
}
