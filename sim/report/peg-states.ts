// The bridge's peg operations by state, for the timeline: deposits as the users made them (the
// ledger) against what the nodes minted, and peg-outs at the furthest state any honest node holds.
import type { PegOutStatus } from '../../src/bridge/peg-operation.ts';
import type { BridgeNodeView } from '../bridge/invariants.ts';
import { bridgeShared } from '../bridge/shared.ts';
import type { NodeSnapshot } from '../chaos/invariant.ts';

const pegOutOrder: readonly PegOutStatus[] = ['pending', 'confirmed', 'signature-requested', 'signed', 'broadcast', 'completed', 'failed', 'refused'];

/** Every state a peg operation is counted in, in the order the report stacks them. */
export const pegStates: readonly string[] = [
  'deposit sent',
  'deposit minted',
  'deposit evicted',
  'deposit malformed',
  'burn unseen',
  ...pegOutOrder.map((s) => `peg-out ${s}`),
];

export function pegCounts(shared: ReadonlyMap<string, unknown>, nodes: readonly NodeSnapshot<unknown>[]): Record<string, number> | undefined {
  const sh = bridgeShared(shared);
  if (sh === undefined) return undefined;
  const counts: Record<string, number> = Object.fromEntries(pegStates.map((s) => [s, 0]));
  const minted = new Set<string>();
  const furthest = new Map<string, number>();
  for (const n of nodes) {
    const v = n.view as BridgeNodeView | undefined;
    if (n.byzantine || v === undefined || v.recovered !== true) continue;
    for (const outs of v.mintedIn.values()) for (const o of outs) minted.add(o);
    for (const op of v.bridge?.operations ?? []) {
      const rank = pegOutOrder.indexOf(op.status);
      if (rank > (furthest.get(op.id) ?? -1)) furthest.set(op.id, rank);
    }
  }
  const bump = (state: string): void => {
    counts[state] = (counts[state] ?? 0) + 1;
  };
  for (const d of sh.ledger.deposits) {
    if (!d.valid) bump('deposit malformed');
    else if (minted.has(`${d.txid}:${d.vout}`)) bump('deposit minted');
    else if (sh.ledger.evicted.has(d.txid)) bump('deposit evicted');
    else bump('deposit sent');
  }
  for (const rank of furthest.values()) bump(`peg-out ${pegOutOrder[rank] ?? 'pending'}`);
  counts['burn unseen'] = Math.max(0, sh.ledger.burns.length - furthest.size);
  return counts;
}
