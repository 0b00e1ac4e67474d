// The node's gossip verdicts and bans as Prometheus counters, read at scrape time from its
// NetworkCounters: alys_gossip_messages_total{topic,result,reason}, alys_peer_bans_total{reason}.
import { Counter, type Registry } from 'prom-client';
import type { NetworkCounters } from './network-counters.ts';

export function registerNetworkMetrics(registry: Registry, counters: () => NetworkCounters | undefined): void {
  new Counter({
    name: 'alys_gossip_messages_total',
    help: 'Gossip messages judged by the gossip validator, by topic, result (accept, reject, ignore) and reason',
    labelNames: ['topic', 'result', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of counters()?.verdictRows() ?? []) this.inc({ topic: r.topic, result: r.result, reason: r.reason }, r.count);
    },
  });
  new Counter({
    name: 'alys_peer_bans_total',
    help: 'Peers banned by this node, by the reason of the penalty that banned them',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of counters()?.bans ?? []) this.inc({ reason }, n);
    },
  });
}

/** Direct (non-gossip) messages by outcome: a dropped one is an answer its asker waits for in vain. */
export function registerDirectMessageMetrics(registry: Registry, stats: () => { readonly sent: number; readonly retried: number; readonly dropped: number }): void {
  new Counter({
    name: 'alys_network_direct_messages_total',
    help: 'Direct messages to peers by outcome: sent, retried (the first write failed; written again on a fresh stream), dropped (both writes failed)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const s = stats();
      this.inc({ outcome: 'sent' }, s.sent);
      this.inc({ outcome: 'retried' }, s.retried);
      this.inc({ outcome: 'dropped' }, s.dropped);
    },
  });
}
