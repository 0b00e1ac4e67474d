// NetworkActor: bytes in and out. It answers the transport's gossip validator with the chain's
// rules (src/chain/gossip-validation.ts) before anything is relayed, and penalises only the peer
// that sent a rejected message; gossip arrives once accepted, from the peer that forwarded it.
// Unicast is decoded here (garbage and rejected gossip kinds cost the sender score), chain messages
// go to the chain and sync traffic to the SyncActor. Blocks, approvals and AuxPow are published by
// gossip when the transport has it (else to every peer that is not banned).
import type { GossipKind, GossipVerdict, NetworkIO } from '../io/network.ts';
import { type ActorSpec, type ActorRef, actor } from '../kernel/actor.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import type { NetworkCounters } from '../network/network-counters.ts';
import { type PeerMsg, peerActorName } from './peer-actor.ts';
import { DecodeError } from '../codec/block-codec.ts';
import type { GossipDecision } from '../chain/gossip-validation.ts';
import { type WireMessage, decodeWire, encodeWire } from '../chain/wire.ts';
import { type SyncWire, decodeSync, isSyncFrame } from '../sync/range-protocol.ts';

export type NetworkMsg =
  | { readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array; readonly gossip?: GossipKind }
  | { readonly type: 'publish'; readonly message: WireMessage }
  | { readonly type: 'send-to'; readonly peer: string; readonly message: WireMessage }
  /** Already-encoded bytes to one peer (the SyncActor's range protocol). */
  | { readonly type: 'send-bytes'; readonly peer: string; readonly bytes: Uint8Array }
  /** From the PeerActor: stop talking to this peer until then (clock ms). */
  | { readonly type: 'ban'; readonly peer: string; readonly until: number }
  /** From the PeerActor: the peer's score now (for a transport that scores peers too). */
  | { readonly type: 'score'; readonly peer: string; readonly score: number };

export const networkActorName = 'network';

/** Score cost of gossip the validator rejected: four and the sender is banned. */
export const GOSSIP_REJECT_PENALTY = -25;
/** Score cost of unicast bytes that do not decode. */
export const MALFORMED_PENALTY = -20;

/** Where inbound messages go: chain messages and sync requests to the chain, sync responses to sync. */
export interface NetworkRoutes {
  readonly chain: () => ActorRef<
    { readonly type: 'wire'; readonly from: string; readonly message: WireMessage } | { readonly type: 'serve-sync'; readonly from: string; readonly request: Extract<SyncWire, { kind: 'request' }> }
  >;
  readonly sync: () => ActorRef<{ readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }>;
}

export interface NetworkDeps {
  readonly io: NetworkIO;
  readonly routes: NetworkRoutes;
  /** The chain's gossip rules over the node's current state (validateGossip, bound by the assembly). */
  readonly judge: (kind: GossipKind, bytes: Uint8Array) => GossipDecision;
  readonly counters: NetworkCounters;
  readonly bugs: BugSwitches;
  readonly sometimes: (probe: string) => void;
}

const gossiped: Partial<Record<WireMessage['topic'], GossipKind>> = { block: 'block', approval: 'approval', auxpow: 'auxpow' };

export function networkActor(d: NetworkDeps): ActorSpec<NetworkMsg> {
  const { io, routes, sometimes } = d;
  return actor<NetworkMsg>({
    name: networkActorName,
    mailbox: { capacity: 8_192, overflow: 'drop-oldest' },
    create: (ctx) => {
      const bannedUntil = new Map<string, number>();
      const isBanned = (peer: string): boolean => {
        const until = bannedUntil.get(peer);
        if (until === undefined) return false;
        if (ctx.clock.now() < until) return true;
        bannedUntil.delete(peer);
        sometimes('chain.peer-unbanned');
        return false;
      };
      const penalize = (peer: string, delta: number, reason: string, detail?: string): void => {
        ctx.tell(ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer, delta, reason, ...(detail !== undefined ? { detail } : {}) });
      };
      /** The chain's verdict on a gossip kind from `from` (the immediate sender), counted; a reject costs `from`. */
      const judge = (from: string, kind: GossipKind, bytes: Uint8Array): GossipDecision => {
        const v = d.judge(kind, bytes);
        d.counters.verdict(kind, v.result, v.reason);
        sometimes(`gossip.${v.result}.${v.reason}`);
        if (v.result === 'reject') penalize(from, GOSSIP_REJECT_PENALTY, `gossip-${kind}-${v.reason}`);
        return v;
      };
      // What the validator decoded, by the bytes it judged: the transport delivers those same bytes
      // next, and decoding (and hashing) a block twice was a third of its cost on this path.
      const judged = new WeakMap<Uint8Array, WireMessage>();
      const validator = (from: string, kind: GossipKind, bytes: Uint8Array): GossipVerdict => {
        // Planted bug: answer at once and judge only on delivery, so the transport relays garbage
        // first and the honest relayer is who its peers blame (how the node behaved before).
        if (d.bugs.has('gossip-relay-before-validate')) return { result: 'accept', reason: 'unchecked' };
        if (isBanned(from)) {
          // A transport that enforces bans never asks; one that cannot (the simulation) is answered so.
          d.counters.verdict(kind, 'ignore', 'banned-peer');
          return { result: 'ignore', reason: 'banned-peer' };
        }
        const v = judge(from, kind, bytes);
        if (v.message !== undefined) judged.set(bytes, v.message);
        return { result: v.result, reason: v.reason };
      };
      /** Requests are served by the chain (it holds the blocks); responses belong to the SyncActor. */
      const routeSync = (from: string, bytes: Uint8Array): void => {
        let m: SyncWire;
        try {
          m = decodeSync(bytes);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          sometimes('sync.malformed-rejected');
          penalize(from, MALFORMED_PENALTY, 'sync-undecodable', err.message);
          return;
        }
        if (m.kind === 'request') ctx.tell(routes.chain(), { type: 'serve-sync', from, request: m });
        else if (m.kind === 'response') ctx.tell(routes.sync(), { type: 'inbound', from, bytes });
      };
      return {
        onStart() {
          io.onReceive((from, bytes, gossip) => {
            ctx.self.tell({ type: 'inbound', from, bytes, ...(gossip !== undefined ? { gossip } : {}) });
          });
          io.onGossip?.(validator);
        },
        handlers: {
          inbound: (m) => {
            if (isBanned(m.from)) return;
            if (m.gossip !== undefined) {
              // Accepted by the validator before the transport relayed it (under the planted bug, not yet judged).
              const decoded = judged.get(m.bytes);
              judged.delete(m.bytes);
              const message = d.bugs.has('gossip-relay-before-validate') ? judge(m.from, m.gossip, m.bytes).message : (decoded ?? decodeWire(m.bytes));
              if (message !== undefined) ctx.tell(routes.chain(), { type: 'wire', from: m.from, message });
              return;
            }
            if (isSyncFrame(m.bytes)) {
              routeSync(m.from, m.bytes);
              return;
            }
            let message: WireMessage;
            try {
              message = decodeWire(m.bytes);
            } catch (err) {
              if (!(err instanceof DecodeError)) throw err;
              sometimes('chain.malformed-rejected');
              penalize(m.from, MALFORMED_PENALTY, 'undecodable', err.message);
              return;
            }
            // A gossip kind sent directly: the same rules as gossip, the sender being its author.
            const kind = gossiped[message.topic];
            if (kind !== undefined && judge(m.from, kind, m.bytes).result !== 'accept') return;
            ctx.tell(routes.chain(), { type: 'wire', from: m.from, message });
          },
          publish: (m) => {
            const bytes = encodeWire(m.message);
            const kind = gossiped[m.message.topic];
            if (kind !== undefined && io.gossip !== undefined) {
              io.gossip(kind, bytes);
              return;
            }
            for (const p of io.peers()) if (!isBanned(p)) io.send(p, bytes);
          },
          'send-to': (m) => {
            if (!isBanned(m.peer)) io.send(m.peer, encodeWire(m.message));
          },
          'send-bytes': (m) => {
            if (!isBanned(m.peer)) io.send(m.peer, m.bytes);
          },
          ban: (m) => {
            bannedUntil.set(m.peer, m.until);
            // A transport that can enforce it (libp2p's connection gater) closes and refuses the peer too.
            io.ban?.(m.peer, m.until);
          },
          score: (m) => {
            io.reportScore?.(m.peer, m.score);
          },
        },
      };
    },
  });
}
