// What a refused block costs, and what happens next: the one consumer of a BlockError. Who pays
// depends on where the block came from: a peer that sent it directly from its own chain answers for
// it; a gossip relay may be an honest node passing on what its author got wrong; our own disk and
// our own production blame nobody.
import { BlockErrorCode, type BlockError, policyFor } from '../../consensus/block-error.ts';

export type BlockSource =
  /** Relayed by gossipsub, whose rules already passed it: the relay is not to blame. */
  | 'gossip'
  /** Sent to us directly (a response to our request): the sender answers for it. */
  | 'peer'
  /** Produced by this node. */
  | 'own'
  /** A batch the SyncActor downloaded, checked and executed. */
  | 'sync'
  /** Read back from our own disk at start. */
  | 'recovery';

export type BlockAction =
  /** Its parent is missing: keep it, and ask the sender for what is missing. */
  | { readonly kind: 'wait-for-parent' }
  /** The sender lowers its score by `penalty` (a ban when the score runs out). */
  | { readonly kind: 'penalize'; readonly penalty: number }
  /** Refused, and nobody to blame. */
  | { readonly kind: 'drop' }
  /** Cannot be judged now: dropped for the moment, it comes back (gossip copies, parent requests, sync's retry). */
  | { readonly kind: 'retry-later' };

export function blockErrorAction(err: BlockError, source: BlockSource): BlockAction {
  const p = policyFor(err.code);
  if (p.requestParent && (source === 'gossip' || source === 'peer' || source === 'own')) return { kind: 'wait-for-parent' };
  // Evidence against the proposer, not against whoever passed the block on.
  if (err.code === BlockErrorCode.EQUIVOCATION) return { kind: 'drop' };
  if (source === 'peer' && p.penalty < 0) return { kind: 'penalize', penalty: p.penalty };
  return p.retryLater ? { kind: 'retry-later' } : { kind: 'drop' };
}
