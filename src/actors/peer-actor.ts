// PeerActor: owns the peer scores. The chain reports invalid blocks and approvals, the network
// reports undecodable bytes; a peer that falls below the threshold is banned, and the network actor
// is told so it stops reading from and sending to it until the ban expires.
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import { PeerScores } from '../network/peer-scores.ts';
import { type NetworkMsg, networkActorName } from './network-actor.ts';

export interface PeerReport {
  readonly scores: Readonly<Record<string, number>>;
  readonly banned: readonly string[];
  readonly bansIssued: number;
}

export type PeerMsg =
  | { readonly type: 'penalize'; readonly peer: string; readonly delta: number; readonly reason: string }
  | Ask<{ readonly type: 'report' }, PeerReport>;

export const peerActorName = 'peers';

export function peerActor(sometimes: (probe: string) => void): ActorSpec<PeerMsg> {
  return actor<PeerMsg>({
    name: peerActorName,
    mailbox: { capacity: 8_192, overflow: 'drop-oldest' },
    create: (ctx) => {
      const scores = new PeerScores();
      return {
        handlers: {
          penalize: (m) => {
            const change = scores.penalize(m.peer, m.delta, ctx.clock.now());
            if (change.bannedUntil !== undefined) {
              sometimes('chain.peer-banned');
              ctx.tell(ctx.lookup<NetworkMsg>(networkActorName), { type: 'ban', peer: m.peer, until: change.bannedUntil });
            }
          },
          report: () => ({ ...scores.report(ctx.clock.now()), bansIssued: scores.bansIssued }),
        },
      };
    },
  });
}
