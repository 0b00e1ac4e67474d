// NetworkActor: bytes in and out. Decodes what peers send (garbage costs the peer score), forwards
// typed messages to the chain, publishes to every peer that is not banned, and keeps peer scores:
// a peer that falls below the ban threshold is disconnected and ignored.
import type { NetworkIO } from '../io/network.ts';
import { type ActorSpec, type ActorRef, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import { DecodeError } from '../codec/block-codec.ts';
import { type WireMessage, decodeWire, encodeWire } from '../chain/wire.ts';

export type NetworkMsg =
  | { readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'publish'; readonly message: WireMessage }
  | { readonly type: 'send-to'; readonly peer: string; readonly message: WireMessage }
  | { readonly type: 'penalize'; readonly peer: string; readonly delta: number; readonly reason: string }
  | Ask<{ readonly type: 'peers' }, PeerReport>;

export interface PeerReport {
  readonly scores: Readonly<Record<string, number>>;
  readonly banned: readonly string[];
  readonly decodeErrors: number;
}

export const networkActorName = 'network';
export const BAN_THRESHOLD = -100;

export function networkActor(
  io: NetworkIO,
  deliver: () => ActorRef<{ readonly type: 'wire'; readonly from: string; readonly message: WireMessage }>,
  sometimes: (probe: string) => void,
): ActorSpec<NetworkMsg> {
  return actor<NetworkMsg>({
    name: networkActorName,
    mailbox: { capacity: 8_192, overflow: 'drop-oldest' },
    create: (ctx) => {
      const scores = new Map<string, number>();
      const banned = new Set<string>();
      let decodeErrors = 0;
      const penalize = (peer: string, delta: number, reason: string): void => {
        const s = (scores.get(peer) ?? 0) + delta;
        scores.set(peer, s);
        if (s <= BAN_THRESHOLD && !banned.has(peer)) {
          banned.add(peer);
          sometimes(`chain.peer-banned`);
          void reason;
        }
      };
      return {
        onStart() {
          io.onReceive((from, bytes) => {
            ctx.self.tell({ type: 'inbound', from, bytes });
          });
        },
        handlers: {
          inbound: (m) => {
            if (banned.has(m.from)) return;
            let message: WireMessage;
            try {
              message = decodeWire(m.bytes);
            } catch (err) {
              if (!(err instanceof DecodeError)) throw err;
              decodeErrors++;
              sometimes('chain.malformed-rejected');
              penalize(m.from, -20, err.message);
              return;
            }
            ctx.tell(deliver(), { type: 'wire', from: m.from, message });
          },
          publish: (m) => {
            const bytes = encodeWire(m.message);
            for (const p of io.peers()) if (!banned.has(p)) io.send(p, bytes);
          },
          'send-to': (m) => {
            if (!banned.has(m.peer)) io.send(m.peer, encodeWire(m.message));
          },
          penalize: (m) => penalize(m.peer, m.delta, m.reason),
          peers: () => ({ scores: Object.fromEntries(scores), banned: [...banned], decodeErrors }),
        },
      };
    },
  });
}
