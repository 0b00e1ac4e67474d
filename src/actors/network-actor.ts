// NetworkActor: bytes in and out. Decodes what peers send (garbage is reported to the PeerActor,
// which keeps the scores), forwards typed messages to the chain, and publishes to every peer that
// is not banned.
import type { NetworkIO } from '../io/network.ts';
import { type ActorSpec, type ActorRef, actor } from '../kernel/actor.ts';
import { type PeerMsg, peerActorName } from './peer-actor.ts';
import { DecodeError } from '../codec/block-codec.ts';
import { type WireMessage, decodeWire, encodeWire } from '../chain/wire.ts';

export type NetworkMsg =
  | { readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'publish'; readonly message: WireMessage }
  | { readonly type: 'send-to'; readonly peer: string; readonly message: WireMessage }
  /** From the PeerActor: stop talking to this peer until then (clock ms). */
  | { readonly type: 'ban'; readonly peer: string; readonly until: number };

export const networkActorName = 'network';

export function networkActor(
  io: NetworkIO,
  deliver: () => ActorRef<{ readonly type: 'wire'; readonly from: string; readonly message: WireMessage }>,
  sometimes: (probe: string) => void,
): ActorSpec<NetworkMsg> {
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
      return {
        onStart() {
          io.onReceive((from, bytes) => {
            ctx.self.tell({ type: 'inbound', from, bytes });
          });
        },
        handlers: {
          inbound: (m) => {
            if (isBanned(m.from)) return;
            let message: WireMessage;
            try {
              message = decodeWire(m.bytes);
            } catch (err) {
              if (!(err instanceof DecodeError)) throw err;
              sometimes('chain.malformed-rejected');
              ctx.tell(ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer: m.from, delta: -20, reason: err.message });
              return;
            }
            ctx.tell(deliver(), { type: 'wire', from: m.from, message });
          },
          publish: (m) => {
            const bytes = encodeWire(m.message);
            for (const p of io.peers()) if (!isBanned(p)) io.send(p, bytes);
          },
          'send-to': (m) => {
            if (!isBanned(m.peer)) io.send(m.peer, encodeWire(m.message));
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
