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
/** A ban lasts this long; the peer then comes back on probation (half the threshold). */
export const BAN_MS = 60_000;

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
      const banned = new Map<string, number>();
      let decodeErrors = 0;
      const penalize = (peer: string, delta: number, reason: string): void => {
        const s = (scores.get(peer) ?? 0) + delta;
        scores.set(peer, s);
        if (s <= BAN_THRESHOLD && !banned.has(peer)) {
          banned.set(peer, ctx.clock.now());
          sometimes(`chain.peer-banned`);
          if (process.env.ALYS_DEBUG_BANS) process.stderr.write(`${io.self} bans ${peer}: ${reason}\n`);
        }
      };
      // Bans expire: a peer banned for what turned out to be our own state (a skewed clock, a
      // partition) must not be cut off for good, or one bad hour would split the network forever.
      const isBanned = (peer: string): boolean => {
        const since = banned.get(peer);
        if (since === undefined) return false;
        if (ctx.clock.now() - since < BAN_MS) return true;
        banned.delete(peer);
        scores.set(peer, BAN_THRESHOLD / 2);
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
              decodeErrors++;
              sometimes('chain.malformed-rejected');
              penalize(m.from, -20, err.message);
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
          penalize: (m) => penalize(m.peer, m.delta, m.reason),
          peers: () => ({ scores: Object.fromEntries(scores), banned: [...banned.keys()], decodeErrors }),
        },
      };
    },
  });
}
