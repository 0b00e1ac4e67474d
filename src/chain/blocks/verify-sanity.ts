// The first step of the block pipeline, cheap and without signatures: the slot is not in the
// future, the parent is a block we hold, the height and slot follow it, the execution payload
// extends the parent's payload (src/consensus/validate-block.ts: parent hash, number, slot time),
// and the proposer is the slot's.
import { checkBlockStructure } from '../../consensus/validate-block.ts';
import type { SignedConsensusBlock } from '../../types/chain.ts';
import type { ChainStore } from './chain-store.ts';

export interface SanityOptions {
  readonly nowMs: number;
  /** Planted bug `chain-skip-proposer-check`. */
  readonly skipProposerCheck?: boolean;
  /** Planted bug `chain-skip-payload-linkage`. */
  readonly skipPayloadLinkage?: boolean;
}

/** Returns the block's hash; throws a BlockError saying what is wrong. */
export function verifySanity(store: ChainStore, signed: SignedConsensusBlock, o: SanityOptions): Uint8Array {
  const checked = checkBlockStructure(signed, {
    spec: store.spec,
    nowMs: o.nowMs,
    parent: (hash) => {
      const node = store.tree.get(hash);
      const block = store.block(hash);
      return node === undefined || block === undefined ? undefined : { height: node.height, slot: node.slot, payload: block.message.executionPayload };
    },
    // Approvals are signatures: the signature step checks them.
    requireApprovals: false,
    skipProposerCheck: o.skipProposerCheck === true,
    skipPayloadLinkage: o.skipPayloadLinkage === true,
  });
  if (!checked.ok) throw checked.error;
  return checked.hash;
}
