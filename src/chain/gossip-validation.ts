// The chain's rules for a gossip message before it is relayed (gossipsub's topic validation, as
// Ethereum clients do it): decode, the checks that need no parent, and the signatures. Every check
// that rejects gives the same answer on every honest node whatever its state (the bytes, the
// authority set, the slot's proposer, the signatures), so a node never relays what another honest
// node would reject, and a reject always blames the peer that sent it. Checks that depend on this
// node's state (too old, already known, from the future) only ignore. Pure: the network actor and,
// through it, both transports (gossipsub's validator, the simulated mesh) call this one function.
import { AuxPowError, checkAuxPowWork, decodeAuxPow } from '../auxpow/auxpow.ts';
import { DecodeError, MAX_BLOCK_BYTES, blockHash } from '../codec/block-codec.ts';
import { approvalMessage, proposalMessage, signerIndices } from '../consensus/approvals.ts';
import { proposerIndexFor, slotAt } from '../consensus/aura.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { checkApprovals } from '../consensus/validate-block.ts';
import type { SignatureScheme } from '../crypto/signature-scheme.ts';
import type { GossipKind, GossipVerdict } from '../io/network.ts';
import { toHex } from '../types/hex.ts';
import { type WireMessage, decodeWire } from './wire.ts';

/** Largest payload each topic carries: a block is bounded by the codec, the others are small. */
export const MAX_GOSSIP_BYTES: Readonly<Record<GossipKind, number>> = { block: MAX_BLOCK_BYTES + 1, approval: 1_024, auxpow: 33 * 1_024 };

export interface GossipRules {
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  readonly nowMs: number;
  /** Height of this node's finalized block: anything at or below it is too old to matter. */
  readonly finalizedHeight: number;
  /** Whether this node already committed the block with this hash (hex). */
  readonly known: (hashHex: string) => boolean;
  /** Planted bug chain-skip-proposer-check: any authority may propose (the import path honours it too). */
  readonly skipProposerCheck?: boolean;
}

export type GossipDecision = GossipVerdict & { readonly message?: WireMessage };

const reject = (reason: string): GossipDecision => ({ result: 'reject', reason });
const ignore = (reason: string): GossipDecision => ({ result: 'ignore', reason });

export function validateGossip(kind: GossipKind, bytes: Uint8Array, r: GossipRules): GossipDecision {
  if (bytes.length > MAX_GOSSIP_BYTES[kind]) return reject('oversized');
  let message: WireMessage;
  try {
    message = decodeWire(bytes);
  } catch (err) {
    if (err instanceof DecodeError) return reject('undecodable');
    throw err;
  }
  if (message.topic !== kind) return reject('wrong-topic');
  const n = r.spec.authorities.length;
  switch (message.topic) {
    case 'block': {
      const signed = message.block;
      const b = signed.message;
      if (signed.proposerIndex >= n) return reject('bad-proposer-index');
      if (b.height <= r.finalizedHeight) return ignore('too-old');
      const hash = blockHash(b);
      if (r.known(toHex(hash))) return ignore('known');
      if (b.slot > slotAt(r.nowMs + r.spec.futureToleranceMs, r.spec)) return ignore('future-slot');
      if (r.skipProposerCheck !== true && signed.proposerIndex !== proposerIndexFor(b.slot, n)) return reject('wrong-proposer');
      if (!r.scheme.verify(r.spec.authorities[signed.proposerIndex] as Uint8Array, proposalMessage(hash), signed.signature)) return reject('bad-signature');
      if (b.auxPowHeader !== null) {
        if (b.auxPowHeader.chainId !== r.spec.auxPowChainId) return reject('wrong-chain-id');
        if (!auxPowWorks(b.auxPowHeader.auxPow, b.auxPowHeader.bits)) return reject('bad-auxpow');
      }
      if (signerIndices(signed.approvals.signers).length > 0 && !checkApprovals(signed, hash, r.spec, r.scheme).ok) return reject('bad-approvals');
      return { result: 'accept', reason: 'valid', message };
    }
    case 'approval': {
      const a = message.approval;
      const pk = r.spec.authorities[a.authorityIndex];
      if (pk === undefined) return reject('bad-authority-index');
      if (r.known(toHex(a.blockHash))) return ignore('known');
      if (!r.scheme.verify(pk, approvalMessage(a.blockHash), a.signature)) return reject('bad-signature');
      return { result: 'accept', reason: 'valid', message };
    }
    case 'auxpow': {
      const h = message.header;
      if (h.chainId !== r.spec.auxPowChainId) return reject('wrong-chain-id');
      if (!auxPowWorks(h.auxPow, h.bits)) return reject('bad-auxpow');
      if (h.height <= r.finalizedHeight) return ignore('too-old');
      return { result: 'accept', reason: 'valid', message };
    }
    default:
      // decodeWire gave a topic that is not a gossip kind; topic !== kind above already refused it.
      return reject('wrong-topic');
  }
}

/** The proof decodes, its coinbase is in its parent block, and that block's work meets `bits`. */
function auxPowWorks(bytes: Uint8Array, bits: number): boolean {
  try {
    checkAuxPowWork(decodeAuxPow(bytes), bits);
    return true;
  } catch (err) {
    if (err instanceof AuxPowError) return false;
    throw err;
  }
}
