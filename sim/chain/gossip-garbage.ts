// A Byzantine peer that is not an authority and speaks gossipsub to every honest node: it floods each
// of them with garbage on the gossip topics (random bytes, oversized payloads, bit-flipped and
// replayed copies of what it heard, a message on the wrong topic, blocks signed with a key that is no
// authority's), and some undecodable unicast. Honest nodes must reject it at their gossip validator,
// relay none of it, ban only this peer, and keep producing and finalizing.
import { blockHash } from '../../src/codec/block-codec.ts';
import { proposerIndexFor, slotAt } from '../../src/consensus/aura.ts';
import { signBlock } from '../../src/consensus/sign-block.ts';
import { MAX_GOSSIP_BYTES } from '../../src/chain/gossip-validation.ts';
import { type WireMessage, decodeWire, encodeWire } from '../../src/chain/wire.ts';
import type { GossipKind } from '../../src/io/network.ts';
import type { SimEndpoint } from '../../src/io/sim/network.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import type { ByzantineNode, SimNodeContext } from '../app.ts';
import { chainSetup } from './setup.ts';

const kinds: readonly GossipKind[] = ['block', 'approval', 'auxpow'];

export function gossipGarbage(ctx: SimNodeContext): ByzantineNode {
  const { spec, scheme } = chainSetup(ctx.scenario, ctx.allNodes);
  // Not an authority: a key of its own that the chain does not know.
  const key = scheme.keyFromSeed(new Uint8Array(32).fill(0xbb));
  const net = ctx.io.network as SimEndpoint;
  const rng = ctx.rng;
  const honest = ctx.allNodes.filter((n) => n !== ctx.id && !n.startsWith('byz'));
  const heard: Array<{ kind: GossipKind; bytes: Uint8Array }> = [];
  let best: SignedConsensusBlock | undefined;

  const junk = (len: number): Uint8Array => {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = rng.int(256);
    return b;
  };

  /** One piece of garbage for `to`, on a gossip topic (or, now and then, as unicast). */
  const garbage = (to: string): void => {
    const kind = rng.pick(kinds);
    switch (rng.int(7)) {
      case 0:
        net.injectGossip(to, kind, junk(1 + rng.int(400)));
        ctx.sometimes('byzantine.gossip-junk');
        return;
      case 1:
        // Over the topic's limit (blocks are bounded by the codec; the small topics by their own size).
        net.injectGossip(to, kind === 'block' ? 'approval' : kind, junk(MAX_GOSSIP_BYTES[kind === 'block' ? 'approval' : kind] + 1 + rng.int(2_000)));
        ctx.sometimes('byzantine.gossip-oversized');
        return;
      case 2: {
        const h = heard.length > 0 ? rng.pick(heard) : undefined;
        if (h === undefined) return;
        const copy = h.bytes.slice();
        const j = rng.int(copy.length);
        copy[j] = (copy[j] ?? 0) ^ (1 << rng.int(8));
        net.injectGossip(to, h.kind, copy);
        ctx.sometimes('byzantine.gossip-bit-flipped');
        return;
      }
      case 3: {
        // A replay: the seen cache drops it, or, if it is older than that, the rules ignore it.
        const h = heard.length > 0 ? rng.pick(heard) : undefined;
        if (h === undefined) return;
        net.injectGossip(to, h.kind, h.bytes);
        ctx.sometimes('byzantine.gossip-replayed');
        return;
      }
      case 4: {
        const h = heard.length > 0 ? rng.pick(heard) : undefined;
        if (h === undefined) return;
        const other = kinds.find((k) => k !== h.kind && h.bytes.length <= MAX_GOSSIP_BYTES[k]);
        if (other === undefined) return;
        net.injectGossip(to, other, h.bytes);
        ctx.sometimes('byzantine.gossip-wrong-topic');
        return;
      }
      case 5: {
        if (best === undefined) return;
        const slot = slotAt(ctx.io.clock.now(), spec);
        const b = best.message;
        const message = { ...b, parentHash: blockHash(b), slot, height: b.height + 1, executionPayload: { ...b.executionPayload, extraData: junk(4) }, auxPowHeader: null };
        net.injectGossip(to, 'block', encodeWire({ topic: 'block', block: signBlock(message, proposerIndexFor(slot, spec.authorities.length), key, spec.authorities.length) }));
        ctx.sometimes('byzantine.gossip-forged-block');
        return;
      }
      default:
        net.send(to, junk(1 + rng.int(200)));
    }
  };

  return {
    onReceive(_from, payload) {
      let m: WireMessage;
      try {
        m = decodeWire(payload);
      } catch {
        return;
      }
      const kind = m.topic === 'block' || m.topic === 'approval' || m.topic === 'auxpow' ? m.topic : undefined;
      if (kind === undefined) return;
      if (heard.length < 64) heard.push({ kind, bytes: payload });
      else heard[rng.int(heard.length)] = { kind, bytes: payload };
      if (m.topic === 'block' && (best === undefined || m.block.message.height > best.message.height)) best = m.block;
    },
    tick() {
      for (const to of honest) garbage(to);
    },
  };
}
