// Sync progress as Prometheus gauges, read at scrape time from the latest SyncProgress.
import { Gauge, type Registry } from 'prom-client';
import type { SyncProgress } from './sync-state.ts';

const states: readonly SyncProgress['state'][] = ['discovering', 'downloading', 'catching-up', 'synced', 'failed'];

export function registerSyncMetrics(registry: Registry, progress: () => SyncProgress | undefined): void {
  const gauge = (name: string, help: string, read: (p: SyncProgress) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const p = progress();
        if (p !== undefined) this.set(read(p));
      },
    });
  };
  gauge('alys_sync_current_height', 'Height executed and persisted by sync', (p) => p.currentHeight);
  gauge('alys_sync_target_height', 'Best height known from peers', (p) => p.targetHeight);
  gauge('alys_sync_blocks_per_second', 'Sync speed since it started', (p) => p.blocksPerSec);
  gauge('alys_sync_peers', 'Peers usable for sync', (p) => p.peerCount);
  gauge('alys_sync_last_checkpoint', 'Height of the last checkpoint', (p) => p.lastCheckpoint ?? 0);
  gauge('alys_sync_can_produce', '1 when block production is allowed', (p) => (p.canProduce ? 1 : 0));
  new Gauge({
    name: 'alys_sync_state',
    help: '1 for the current sync state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const p = progress();
      for (const s of states) this.set({ state: s }, p?.state === s ? 1 : 0);
    },
  });
}
