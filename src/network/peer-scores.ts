// Peer scores, pure: invalid data costs a peer score; below the threshold it is banned for a
// while, then comes back on probation. Bans expire because a penalty can be our own fault (a skewed
// clock, state we had not caught up on), and a permanent ban among honest nodes splits the network.
export const BAN_THRESHOLD = -100;
export const BAN_MS = 60_000;

export interface ScoreChange {
  readonly score: number;
  /** Set when this change banned the peer: the ban lasts until then (clock ms). */
  readonly bannedUntil?: number;
}

export class PeerScores {
  private readonly scores = new Map<string, number>();
  private readonly bans = new Map<string, number>();
  bansIssued = 0;

  penalize(peer: string, delta: number, now: number): ScoreChange {
    this.expire(peer, now);
    const score = (this.scores.get(peer) ?? 0) + delta;
    this.scores.set(peer, score);
    if (score <= BAN_THRESHOLD && !this.bans.has(peer)) {
      const until = now + BAN_MS;
      this.bans.set(peer, until);
      this.bansIssued++;
      return { score, bannedUntil: until };
    }
    return { score };
  }

  isBanned(peer: string, now: number): boolean {
    this.expire(peer, now);
    return this.bans.has(peer);
  }

  score(peer: string): number {
    return this.scores.get(peer) ?? 0;
  }

  report(now: number): { scores: Record<string, number>; banned: string[] } {
    for (const p of [...this.bans.keys()]) this.expire(p, now);
    return { scores: Object.fromEntries(this.scores), banned: [...this.bans.keys()] };
  }

  private expire(peer: string, now: number): void {
    const until = this.bans.get(peer);
    if (until !== undefined && now >= until) {
      this.bans.delete(peer);
      this.scores.set(peer, BAN_THRESHOLD / 2);
    }
  }
}
