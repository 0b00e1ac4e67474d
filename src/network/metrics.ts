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
