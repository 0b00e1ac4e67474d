// The chain as an operator watches it: head and finalized heights (their difference is the finality
// lag that AuxPow keeps bounded) and connected peers, read at scrape time from the published view.
import type { Registry } from 'prom-client';
import { scrapeGauge } from '../kernel/metrics.ts';
import type { ChainView } from '../chain/chain-view.ts';

export function registerChainMetrics(registry: Registry, view: () => ChainView | undefined, peers: () => number): void {
  const gauge = (name: string, help: string, read: () => number | undefined): void => scrapeGauge(registry, name, help, read);
  gauge('alys_chain_head_height', 'Height of the head of the best chain', () => view()?.headHeight);
  gauge('alys_chain_finalized_height', 'Height of the last block finalized by AuxPow', () => {
    const v = view();
    return v === undefined ? undefined : Math.max(0, v.finalized.length - 1);
  });
  gauge('alys_chain_produced_blocks', 'Blocks this node produced since it started', () => view()?.producedBlocks);
  gauge('alys_network_peers', 'Connected libp2p peers', peers);
}
