// A Byzantine authority: it holds a real authority key, so what it signs verifies; what it must not
// be able to do is get the honest nodes to accept a block out of turn, twice in a slot, or with a
// bad proof of work. It equivocates in its own slots (a different block to each half of the
// network), signs blocks for slots that are not its own, sends garbage, bit-flipped and replayed
// messages, and blocks carrying a forged AuxPow. In `payload-fork` mode it proposes, in its own
// slots, blocks whose execution payload builds on an older execution block than its parent's. In
// `flood` mode it floods the honest nodes' chain actors in bursts: blocks whose parent nobody has,
// sent directly as block responses (gossip validation would ignore them before the chain actor saw
// them; a response reaches it, costs a signature validation and no penalty, so it keeps the actor busy) and
// then more status messages than the actor's mailbox holds.
// Every block it makes carries a payload the execution client accepts (hash, state root, number,
// time all right for the payload's own parent), so what refuses it is the rule under test.
import { blockHash } from '../../src/codec/block-codec.ts';
import { approvalMessage } from '../../src/consensus/approvals.ts';
import { payloadTimestampFor, proposerIndexFor, slotAt, slotStartMs } from '../../src/consensus/aura.ts';
import { signBlock } from '../../src/consensus/sign-block.ts';
import type { KeyPair } from '../../src/crypto/signature-scheme.ts';
import type { ExecutionPayload, SignedConsensusBlock } from '../../src/types/chain.ts';
import { childPayload } from '../../src/io/sim/execution.ts';
import { toHex } from '../../src/types/hex.ts';
import { decodeWire, encodeWire } from '../../src/chain/wire.ts';
import type { ByzantineNode, SimNodeContext } from '../app.ts';
import { buildChainNode } from './node.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { chainSetup } from './setup.ts';
import { gossipGarbage } from './gossip-garbage.ts';
import type { SimEndpoint } from '../../src/io/sim/network.ts';
import type { GossipKind } from '../../src/io/network.ts';

/**
 * How long before another authority's slot a block for it is sent: inside the chain's future
 * tolerance (500 ms), so it is judged at once and arrives ahead of the rightful proposer's block.
 */
const EARLY_MS = 400;

export function chainByzantine(ctx: SimNodeContext): ByzantineNode {
  if (ctx.scenario.chain.byzantine === 'gossip-garbage') return gossipGarbage(ctx);
  if (ctx.scenario.chain.byzantine === 'twins') {
    // A twin runs the honest node's code with another authority's key: two nodes, one key.
    const twin = buildChainNode(ctx);
    ctx.sometimes('byzantine.twin-started');
    return { onReceive: () => undefined, tick: () => undefined, kill: () => twin.system.kill() };
  }
  const { spec } = chainSetup(ctx.scenario, ctx.allNodes);
  const key = chainSetup(ctx.scenario, ctx.allNodes).keys.get(ctx.id) as KeyPair;
  const myIndex = ctx.allNodes.indexOf(ctx.id);
  const others = ctx.allNodes.filter((n) => n !== ctx.id);
  const rng = ctx.rng;
  const mode = ctx.scenario.chain.byzantine;
  const heard: Uint8Array[] = [];
  let best: SignedConsensusBlock | undefined;
  /** Blocks heard, by hash: where a payload fork finds an older execution block to build on. */
  const seen = new Map<string, SignedConsensusBlock>();
  let lastEquivocatedSlot = -1;
  // What a gossip kind's topic byte starts goes out as gossip, the way a peer reaches honest nodes'
  // gossip (they relay what their rules accept); the rest, garbage included, as unicast.
  const gossipKinds: Readonly<Record<number, GossipKind>> = { 1: 'block', 2: 'approval', 3: 'auxpow' };
  const send = (to: string, bytes: Uint8Array): void => {
    const kind = gossipKinds[bytes[0] ?? 0];
    if (kind !== undefined && rng.chance(0.8)) (ctx.io.network as SimEndpoint).injectGossip(to, kind, bytes);
    else ctx.io.network.send(to, bytes);
  };
  const broadcast = (bytes: Uint8Array): void => {
    for (const o of others) send(o, bytes);
  };

  /** A payload for `slot` on `base`, valid for the execution client; `salt` tells siblings apart. */
  const payloadOn = (base: ExecutionPayload, slot: number, salt: number): ExecutionPayload =>
    childPayload(base, { timestamp: Math.max(payloadTimestampFor(slot, spec), base.timestamp + 1), feeRecipient: new Uint8Array(20).fill(0xbb), prevRandao: new Uint8Array(32), extraData: new Uint8Array([salt & 0xff]) });

  const blockOn = (parent: SignedConsensusBlock, slot: number, salt: number, proposer = proposerIndexFor(slot, spec.authorities.length), payloadBase = parent.message.executionPayload): SignedConsensusBlock => {
    const message = { ...parent.message, parentHash: blockHash(parent.message), slot, height: parent.message.height + 1, executionPayload: payloadOn(payloadBase, slot, salt), auxPowHeader: null, pegIns: [] };
    return signBlock(message, proposer, key, spec.authorities.length);
  };

  /** In our own slot: a block on the best head whose payload forks off an older execution block. */
  /**
   * A flood round at most every FLOOD_EVERY slots, in one of our own slots, timed on its boundary:
   * just before the slot ends, hundreds of signed siblings of our block (each holds the receiving
   * chain actor for a signature validation before the equivocation shows; evidence against the
   * proposer, so whoever passes it on is not penalised); just after, more status messages than the
   * chain actor's mailbox holds, so that they arrive while the slot tick waits behind the siblings.
   */
  const FLOOD_EVERY = 9;
  let orphansFor = -1;
  const flood = (): void => {
    if (best === undefined) return;
    const now = ctx.io.clock.now();
    const slot = slotAt(now, spec);
    const toNext = slotStartMs(slot + 1, spec) - now;
    const sinceStart = now - slotStartMs(slot, spec);
    const honestOthers = others.filter((o) => !o.startsWith('byz'));
    const mine = proposerIndexFor(slot, spec.authorities.length) === myIndex;
    if (mine && slot - orphansFor >= FLOOD_EVERY - 1 && toNext <= 250 && toNext > 100) {
      const parent = best.message.slot === slot ? seen.get(toHex(best.message.parentHash)) : best;
      if (parent === undefined || parent.message.slot >= slot) return;
      orphansFor = slot + 1;
      for (let i = 0; i < 256; i++) {
        // Sent directly as unsolicited block responses: gossipsub would relay one copy at most.
        const sibling = encodeWire({ topic: 'block-response', block: blockOn(parent, slot, i, myIndex) });
        for (const o of honestOthers) ctx.io.network.send(o, sibling);
      }
      ctx.sometimes('byzantine.flood-sent');
      return;
    }
    if (slot !== orphansFor || sinceStart >= 450) return;
    const status = encodeWire({ topic: 'status', headHeight: best.message.height });
    for (let i = 0; i < 7_000; i++) for (const o of honestOthers) send(o, status);
  };

  const payloadFork = (slot: number): void => {
    if (best === undefined || slot === lastEquivocatedSlot) return;
    lastEquivocatedSlot = slot;
    const grandparent = seen.get(toHex(best.message.parentHash));
    const older = grandparent?.message.executionPayload ?? genesisPayload();
    if (older.blockNumber >= best.message.executionPayload.blockNumber) return;
    broadcast(encodeWire({ topic: 'block', block: blockOn(best, slot, 5, myIndex, older) }));
    ctx.sometimes('byzantine.payload-fork-sent');
  };

  /**
   * Just before each slot of another authority starts (within the future tolerance), a block for
   * it under that authority's index, signed with our own key: a forged signature on a block that is
   * otherwise right, ahead of the rightful one. Only the gossip rules' signature check stops it (the
   * pipeline takes a gossip block's signatures as verified).
   */
  let forgedFor = -1;
  const forgeSignature = (slot: number): void => {
    const next = slot + 1;
    const owner = proposerIndexFor(next, spec.authorities.length);
    if (best === undefined || next === forgedFor || owner === myIndex || slotStartMs(next, spec) - ctx.io.clock.now() >= EARLY_MS) return;
    forgedFor = next;
    broadcast(encodeWire({ topic: 'block', block: blockOn(best, next, 6, owner) }));
    ctx.sometimes('byzantine.forged-signature-sent');
  };

  const equivocate = (slot: number): void => {
    if (best === undefined || slot === lastEquivocatedSlot) return;
    lastEquivocatedSlot = slot;
    const a = blockOn(best, slot, 1);
    const b = blockOn(best, slot, 2);
    // Honest nodes alternate between the two blocks, so both halves see a different one; fellow
    // Byzantine nodes get both (colluders approve whatever they are sent).
    const honestOthers = others.filter((o) => !o.startsWith('byz'));
    honestOthers.forEach((o, i) => send(o, encodeWire({ topic: 'block', block: i % 2 === 0 ? a : b })));
    for (const o of others.filter((x) => x.startsWith('byz'))) {
      send(o, encodeWire({ topic: 'block', block: a }));
      send(o, encodeWire({ topic: 'block', block: b }));
    }
    ctx.sometimes('byzantine.equivocated');
    if (mode === 'collude') {
      // Approve both blocks, which an honest authority never does.
      for (const blk of [a, b]) {
        const h = blockHash(blk.message);
        broadcast(encodeWire({ topic: 'approval', approval: { blockHash: h, authorityIndex: myIndex, signature: key.sign(approvalMessage(h)) } }));
      }
    }
  };

  return {
    onReceive(_from, payload) {
      if (heard.length < 64) heard.push(payload);
      else heard[rng.int(heard.length)] = payload;
      try {
        const m = decodeWire(payload);
        if (m.topic === 'block' || m.topic === 'block-response') {
          if (seen.size >= 256) seen.delete(seen.keys().next().value as string);
          seen.set(toHex(blockHash(m.block.message)), m.block);
          if (best === undefined || m.block.message.height > best.message.height) best = m.block;
        }
        if (m.topic === 'block' && mode === 'forged-signature') {
          // An approval of each block in the name of another authority (the next one after the
          // proposer that is not us), signed with our own key: only the gossip rules' signature
          // check stops it (the chain takes an approval's signature as verified).
          const h = blockHash(m.block.message);
          const n = spec.authorities.length;
          let victim = (m.block.proposerIndex + 1) % n;
          if (victim === myIndex) victim = (victim + 1) % n;
          broadcast(encodeWire({ topic: 'approval', approval: { blockHash: h, authorityIndex: victim, signature: key.sign(approvalMessage(h)) } }));
          ctx.sometimes('byzantine.forged-approval-sent');
        }
        if (m.topic === 'block' && mode === 'collude') {
          // Colluders keep the chain going by approving every block they see.
          const h = blockHash(m.block.message);
          broadcast(encodeWire({ topic: 'approval', approval: { blockHash: h, authorityIndex: myIndex, signature: key.sign(approvalMessage(h)) } }));
        }
      } catch {
        // Honest nodes send nothing undecodable; ignore our own garbage bouncing around.
      }
    },
    tick() {
      const slot = slotAt(ctx.io.clock.now(), spec);
      const mine = proposerIndexFor(slot, spec.authorities.length) === myIndex;
      if (mode === 'payload-fork') {
        if (mine) payloadFork(slot);
        return;
      }
      if (mode === 'flood') {
        flood();
        return;
      }
      if (mode === 'forged-signature') {
        forgeSignature(slot);
        return;
      }
      if (mode === 'height-liar') {
        // A head no chain can have yet: a node that trusted it would sync toward it for ever.
        const lie = encodeWire({ topic: 'status', headHeight: (best?.message.height ?? 0) + 2 ** 40 });
        for (const o of others.filter((x) => !x.startsWith('byz'))) ctx.io.network.send(o, lie);
        ctx.sometimes('byzantine.height-lie-sent');
        return;
      }
      if (mine && mode !== 'garbage') {
        equivocate(slot);
        return;
      }
      if (mode === 'equivocate' || mode === 'collude') return;
      switch (rng.int(5)) {
        case 0: {
          const junk = new Uint8Array(1 + rng.int(300));
          for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
          send(rng.pick(others), junk);
          break;
        }
        case 1:
          if (heard.length > 0) {
            const copy = rng.pick(heard).slice();
            const j = rng.int(copy.length);
            copy[j] = (copy[j] ?? 0) ^ (1 << rng.int(8));
            send(rng.pick(others), copy);
          }
          break;
        case 2:
          if (heard.length > 0) send(rng.pick(others), rng.pick(heard));
          break;
        case 3:
          // A block for someone else's slot, signed with our own key under our own index. Sent just
          // before that slot starts (within the future tolerance), so it arrives before the rightful
          // proposer's block: only the proposer check stops it.
          if (best !== undefined) {
            const next = slot + 1;
            const early = slotStartMs(next, spec) - ctx.io.clock.now() < EARLY_MS;
            const target = early ? next : slot;
            broadcast(encodeWire({ topic: 'block', block: blockOn(best, target, 3, myIndex) }));
            ctx.sometimes('byzantine.wrong-proposer-sent');
          }
          break;
        default:
          // A block with a forged proof of work.
          if (best !== undefined) {
            const forged = blockOn(best, slot, 4);
            const header = { rangeStart: blockHash(best.message), rangeEnd: blockHash(best.message), bits: spec.initialBits, chainId: spec.auxPowChainId, height: best.message.height, auxPow: new Uint8Array([1, 2, 3]), feeRecipient: new Uint8Array(20) };
            broadcast(encodeWire({ topic: 'block', block: { ...forged, message: { ...forged.message, auxPowHeader: header } } }));
          }
      }
    },
  };
}
