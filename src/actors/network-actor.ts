// NetworkActor: bytes in and out. Decodes what peers send (garbage is reported to the PeerActor,
// which keeps the scores), forwards typed messages to the chain and sync traffic to the SyncActor,
// and publishes blocks, approvals and AuxPow by gossip when the transport has it (else to every
// peer that is not banned).
import type { GossipKind, NetworkIO } from '../io/network.ts';
import { type ActorSpec, type ActorRef, actor } from '../kernel/actor.ts';
import { type PeerMsg, peerActorName } from './peer-actor.ts';
import { DecodeError } from '../codec/block-codec.ts';
import { type WireMessage, decodeWire, encodeWire } from '../chain/wire.ts';
import { type SyncWire, decodeSync, isSyncFrame } from '../sync/range-protocol.ts';

export type NetworkMsg =
  | { readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'publish'; readonly message: WireMessage }
  | { readonly type: 'send-to'; readonly peer: string; readonly message: WireMessage }
  /** Already-encoded bytes to one peer (the SyncActor's range protocol). */
  | { readonly type: 'send-bytes'; readonly peer: string; readonly bytes: Uint8Array }
  /** From the PeerActor: stop talking to this peer until then (clock ms). */
  | { readonly type: 'ban'; readonly peer: string; readonly until: number };

export const networkActorName = 'network';

/** Where inbound messages go: chain messages and sync requests to the chain, sync responses to sync. */
export interface NetworkRoutes {
  readonly chain: () => ActorRef<
    { readonly type: 'wire'; readonly from: string; readonly message: WireMessage } | { readonly type: 'serve-sync'; readonly from: string; readonly request: Extract<SyncWire, { kind: 'request' }> }
  >;
  readonly sync: () => ActorRef<{ readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }>;
}

const gossiped: Partial<Record<WireMessage['topic'], GossipKind>> = { block: 'block', approval: 'approval', auxpow: 'auxpow' };

export function networkActor(io: NetworkIO, routes: NetworkRoutes, sometimes: (probe: string) => void): ActorSpec<NetworkMsg> {
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
      /** Requests are served by the chain (it holds the blocks); responses belong to the SyncActor. */
      const routeSync = (from: string, bytes: Uint8Array): void => {
        let m: SyncWire;
        try {
          m = decodeSync(bytes);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          sometimes('sync.malformed-rejected');
          ctx.tell(ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer: from, delta: -20, reason: err.message });
          return;
        }
        if (m.kind === 'request') ctx.tell(routes.chain(), { type: 'serve-sync', from, request: m });
        else if (m.kind === 'response') ctx.tell(routes.sync(), { type: 'inbound', from, bytes });
      };
      return {
        onStart() {
          io.onReceive((from, bytes) => {
            ctx.self.tell({ type: 'inbound', from, bytes });
          });
        },
        handlers: {
          inbound: (m) => {
            if (isBanned(m.from)) return;
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
              ctx.tell(ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer: m.from, delta: -20, reason: err.message });
              return;
            }
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
        },
      };
    },
  });
}
