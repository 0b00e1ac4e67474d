// Who may talk to this node over libp2p. The node decides scores and bans (src/network/peer-scores.ts);
// this file enforces them where libp2p can: a banned peer is refused by the connection gater, both
// when it dials in (after the handshake proves its id) and when anything here would dial it.
// Ban times are wall-clock epoch milliseconds (Date.now()), the only clock of the production node.
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { PeerScores } from '../../network/peer-scores.ts';
import type { NodeId } from '../network.ts';

export class PeerGate {
  private readonly bans = new Map<NodeId, number>();
  private readonly scores = new PeerScores();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Bans until `untilMs`; a later ban extends, an earlier one never shortens. */
  ban(peer: NodeId, untilMs: number): void {
    this.bans.set(peer, Math.max(untilMs, this.bans.get(peer) ?? 0));
  }

  isBanned(peer: NodeId): boolean {
    const until = this.bans.get(peer);
    if (until !== undefined && this.now() < until) return true;
    this.bans.delete(peer);
    return this.scores.isBanned(peer, this.now());
  }

  /** Adds `delta` to the peer's score; returns the ban end when this change banned it. */
  penalize(peer: NodeId, delta: number): number | undefined {
    const change = this.scores.penalize(peer, delta, this.now());
    if (change.bannedUntil !== undefined) this.ban(peer, change.bannedUntil);
    return change.bannedUntil;
  }

  score(peer: NodeId): number {
    return this.scores.score(peer);
  }

  gater(): ConnectionGater {
    const denied = (peerId: PeerId): boolean => this.isBanned(peerId.toString());
    return {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
    };
  }
}
