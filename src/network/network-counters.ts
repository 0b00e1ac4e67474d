// What the node's network decided, counted for operators (/metrics) and the simulation: gossip
// verdicts by topic, result and reason, bans by reason, and every ban itself (peer, reason, when,
// until when) so a checker can tell whom an honest node shut out and why. Pure data; the actors
// write it, the production runtime exports it through prom-client.
import type { GossipResult } from '../io/network.ts';

export interface BanRecord {
  readonly peer: string;
  /** Label-safe reason of the penalty that crossed the threshold, e.g. 'gossip-block-bad-signature'. */
  readonly reason: string;
  readonly atMs: number;
  readonly untilMs: number;
}

/** Bans kept for the record; older ones are dropped (the counters keep the totals). */
const MAX_BAN_RECORDS = 1_024;

export class NetworkCounters {
  /** "topic|result|reason" → count. */
  readonly verdicts = new Map<string, number>();
  /** reason → count. */
  readonly bans = new Map<string, number>();
  readonly banLog: BanRecord[] = [];
  bansTotal = 0;

  verdict(topic: string, result: GossipResult, reason: string): void {
    const k = `${topic}|${result}|${reason}`;
    this.verdicts.set(k, (this.verdicts.get(k) ?? 0) + 1);
  }

  ban(record: BanRecord): void {
    this.bansTotal++;
    this.bans.set(record.reason, (this.bans.get(record.reason) ?? 0) + 1);
    this.banLog.push(record);
    if (this.banLog.length > MAX_BAN_RECORDS) this.banLog.shift();
  }

  /** Verdict counts as label sets, for exporters. */
  verdictRows(): Array<{ readonly topic: string; readonly result: GossipResult; readonly reason: string; readonly count: number }> {
    return [...this.verdicts].map(([k, count]) => {
      const [topic, result, reason] = k.split('|') as [string, GossipResult, string];
      return { topic, result, reason, count };
    });
  }
}
