// One sync run as a configuration of the one simulated World (sim/world.ts), for the benchmark and
// the sync tests: n0 syncs from `peers` serving peers (some Byzantine) over links with a round trip
// and a per-link bandwidth, through the sync app's node, and the run stops once n0 is synced or
// has failed. No network, disk or scheduler of its own; n0 is the node as assembleNode builds it.
import type { SyncConfig } from '../../src/actors/sync-actor.ts';
import { type RunResult, runSimulation } from '../runner.ts';
import { type Scenario, parseScenario } from '../scenario.ts';
import type { SyncView } from './app.ts';

export interface SyncWorldOptions {
  readonly blocks: number;
  readonly crypto: 'sim' | 'bls';
  readonly config: Pick<SyncConfig, 'strategy' | 'batchSize'>;
  readonly seed: number;
  readonly peers: number;
  readonly byzantinePeers: number;
  readonly rttMs: number;
  readonly bandwidthBytesPerMs: number;
  readonly execMs: number;
  /** Virtual ms of a forkchoiceUpdated that moves the head (an Engine API round trip). */
  readonly forkchoiceMs: number;
  /** Modelled cost of one signature verification (ms); a block needs two. */
  readonly verifyCostMs: number;
  /** Validation actors: the cores signature checks can use. */
  readonly cores: number;
  readonly maxSimMs: number;
}

export interface SyncRunResult {
  readonly ok: boolean;
  readonly state: string;
  readonly height: number;
  readonly simulatedMs: number;
  readonly blocksPerSec: number;
  readonly executed: number;
  readonly events: number;
  readonly lastCheckpoint: number | undefined;
  readonly probes: Record<string, number>;
  /** The run's verdicts, as `alys sim` reports them. */
  readonly run: RunResult;
}

export function syncScenario(o: SyncWorldOptions): Scenario {
  return parseScenario(
    {
      name: `sync-bench-${o.config.strategy}`,
      app: 'sync',
      nodes: 1 + o.peers - o.byzantinePeers,
      byzantine: o.byzantinePeers,
      durationMs: o.maxSimMs,
      // The run ends when n0 is synced; liveness only judges the end of a run that never got there.
      livenessWindowMs: o.maxSimMs,
      checkEveryMs: 1_000,
      network: { latencyMs: o.rttMs / 2, jitterMs: 0, bandwidthBytesPerMs: o.bandwidthBytesPerMs },
      sync: {
        blocks: o.blocks,
        crypto: o.crypto,
        strategy: o.config.strategy,
        batchSize: o.config.batchSize,
        execMs: o.execMs,
        forkchoiceMs: o.forkchoiceMs,
        verifyCostMs: o.verifyCostMs,
        cores: o.cores,
      },
    },
    'sync world',
  );
}

export async function runSyncWorld(o: SyncWorldOptions): Promise<SyncRunResult> {
  let view: SyncView | undefined;
  const syncer = (world: { snapshots(): ReadonlyArray<{ id: string; view: unknown }> }): SyncView | undefined =>
    world.snapshots().find((n) => n.id === 'n0')?.view as SyncView | undefined;
  const run = await runSimulation({
    scenario: syncScenario(o),
    seed: o.seed,
    // Done once the node's head (what it committed) reaches the chain's, or once the pipeline failed.
    stopWhen: (world) => {
      const v = syncer(world);
      return v !== undefined && (v.syncedAt !== undefined || v.activity?.progress.state === 'failed');
    },
    inspect: (world) => {
      view = syncer(world);
    },
  });
  const p = view?.activity?.progress;
  const height = view?.chain?.headHeight ?? 0;
  const done = view?.syncedAt !== undefined && height >= o.blocks;
  const simulatedMs = view?.syncedAt ?? run.simulatedMs;
  return {
    ok: done,
    state: done ? 'synced' : (p?.state ?? 'discovering'),
    height,
    simulatedMs,
    blocksPerSec: simulatedMs > 0 ? (height * 1000) / simulatedMs : 0,
    executed: view?.executed ?? 0,
    events: run.events,
    lastCheckpoint: p?.lastCheckpoint,
    probes: run.probes,
    run,
  };
}
