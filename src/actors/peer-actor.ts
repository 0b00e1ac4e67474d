// PeerActor: owns the peer scores. The network actor reports gossip its validator rejected and
// undecodable unicast, the chain reports invalid blocks it was sent directly; a peer that falls below
// the threshold is banned, the ban is logged and counted, and the network actor is told so it stops
// reading from and sending to it until the ban expires. Every score change also goes to the
// transport, which folds it into its own peer scoring (gossipsub's application score).
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { NetworkCounters } from '../network/network-counters.ts';
import { PeerScores } from '../network/peer-scores.ts';
import { type NetworkMsg, networkActorName } from './network-actor.ts';

export interface PeerReport {
  readonly scores: Readonly<Record<string, number>>;
  readonly banned: readonly string[];
  readonly bansIssued: number;
}

export type PeerMsg =
  /** `reason` is short and label-safe (a metric label); `detail` is free text for the log. */
  | { readonly type: 'penalize'; readonly peer: string; readonly delta: number; readonly reason: string; readonly detail?: string }
  | Ask<{ readonly type: 'report' }, PeerReport>;

export const peerActorName = 'peers';

export interface PeerActorDeps {
  readonly sometimes: (probe: string) => void;
  readonly log: (line: string) => void;
  readonly counters: NetworkCounters;
}

export function peerActor(d: PeerActorDeps): ActorSpec<PeerMsg> {
  return actor<PeerMsg>({
    name: peerActorName,
    mailbox: { capacity: 8_192, overflow: 'drop-oldest' },
    create: (ctx) => {
      const scores = new PeerScores();
      const network = () => ctx.lookup<NetworkMsg>(networkActorName);
      return {
        handlers: {
          penalize: (m) => {
            const now = ctx.clock.now();
            const change = scores.penalize(m.peer, m.delta, now);
            ctx.tell(network(), { type: 'score', peer: m.peer, score: change.score });
            if (change.bannedUntil !== undefined) {
              d.sometimes('chain.peer-banned');
              d.counters.ban({ peer: m.peer, reason: m.reason, atMs: now, untilMs: change.bannedUntil });
              d.log(`peer ${m.peer} banned for ${change.bannedUntil - now} ms: ${m.reason}${m.detail === undefined ? '' : ` (${m.detail})`}`);
              ctx.tell(network(), { type: 'ban', peer: m.peer, until: change.bannedUntil });
            }
          },
          report: () => ({ ...scores.report(ctx.clock.now()), bansIssued: scores.bansIssued }),
        },
      };
    },
  });
}
