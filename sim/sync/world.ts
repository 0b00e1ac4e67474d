// One seeded sync world: serving peers that hold the source chain (some of them Byzantine, serving
// forged batches), a network with a round trip and a per-link bandwidth, and a syncing node with the
// SyncActor, a validation pool with a modelled CPU cost per signature check, an execution client
// with a per-block execution cost, and a disk. Used by the sync benchmark and the sync scenarios.
import { type SyncConfig, type SyncMsg, syncActor, syncActorName } from '../../src/actors/sync-actor.ts';
import { type ValidationMsg, validationActor, validationActorName } from '../../src/actors/validation-actor.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { type EngineMsg, engineActor, engineActorName } from '../../src/actors/engine-actor.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import type { SignatureScheme } from '../../src/crypto/signature-scheme.ts';
import { SimClock } from '../../src/io/sim/clock.ts';
import { SimExecution } from '../../src/io/sim/execution.ts';
import { SimNetwork } from '../../src/io/sim/network.ts';
import { SimDisk } from '../../src/io/sim/storage.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { encodeBlock } from '../../src/codec/block-codec.ts';
import { checkpointKey, encodeCheckpoint } from '../../src/sync/checkpoint.ts';
import { decodeSync, encodeSync } from '../../src/sync/range-protocol.ts';
import type { SyncProgress } from '../../src/sync/sync-state.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import type { SourceChain } from './source-chain.ts';

export interface SyncWorldOptions {
  readonly chain: SourceChain;
  readonly scheme: SignatureScheme;
  readonly config: SyncConfig;
  readonly seed: number;
  readonly peers: number;
  readonly byzantinePeers: number;
  readonly rttMs: number;
  readonly bandwidthBytesPerMs: number;
  readonly execMs: number;
  /** Virtual ms of a forkchoiceUpdated that moves the head (an Engine API round trip). */
  readonly forkchoiceMs: number;
  /** Modelled cost of one signature verification (ms) and how many a block needs. */
  readonly verifyCostMs: number;
  readonly verificationsPerBlock: number;
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
}

export async function runSyncWorld(o: SyncWorldOptions): Promise<SyncRunResult> {
  const scheduler = new Scheduler();
  const rng = new SeededRng(o.seed);
  const net = new SimNetwork({
    scheduler,
    rng: rng.fork('net'),
    defaults: { latencyMs: o.rttMs / 2, jitterMs: 0, bandwidthBytesPerMs: o.bandwidthBytesPerMs },
  });
  const probes: Record<string, number> = {};
  const sometimes = (p: string): void => {
    probes[p] = (probes[p] ?? 0) + 1;
  };
  const peerIds = Array.from({ length: o.peers }, (_, i) => (i < o.byzantinePeers ? `byz${i}` : `peer${i}`));
  for (const id of peerIds) {
    net.setNodeUp(id, { alive: true });
    const ep = net.endpoint(id);
    ep.onReceive((from, bytes) => {
      const m = decodeSync(bytes);
      if (m.kind !== 'request') return;
      let blocks: SignedConsensusBlock[] = o.chain.blocks.slice(m.startHeight - 1, m.startHeight - 1 + m.count) as SignedConsensusBlock[];
      if (id.startsWith('byz') && blocks.length > 1) {
        // A forged batch: one block's execution payload altered; its signatures no longer verify.
        const k = Math.floor(blocks.length / 2);
        const b = blocks[k] as SignedConsensusBlock;
        blocks = [...blocks];
        blocks[k] = { ...b, message: { ...b.message, executionPayload: { ...b.message.executionPayload, gasUsed: b.message.executionPayload.gasUsed + 1 } } };
        sometimes('sync.forged-batch-served');
      }
      ep.send(from, encodeSync({ kind: 'response', requestId: m.requestId, blocks }));
    });
  }
  const owner = { alive: true };
  net.setNodeUp('syncer', owner);
  const ep = net.endpoint('syncer');
  const clock = new SimClock({ scheduler, owner });
  const el = new SimExecution({ scheduler, owner, latencyMs: o.execMs, forkchoiceLatencyMs: o.forkchoiceMs, txsPerBlock: 0 }, genesisPayload());
  const disk = new SimDisk({ node: 'syncer', scheduler, rng: rng.fork('disk'), syncLatencyMs: 1 });
  const storage = disk.open(owner);
  const spec: ChainSpec = {
    chainId: 121212,
    slotDurationMs: 2_000,
    genesisTimeMs: 0,
    authorities: o.chain.keys.map((k) => k.publicKey),
    futureToleranceMs: 500,
    maxBlocksWithoutPow: 1_000_000,
    auxPowChainId: 1337,
    initialBits: 0x207fffff,
    auxPowTargetSpacingSlots: 5,
  };
  let progress: SyncProgress | undefined;
  let syncedAt: number | undefined;
  let nextValidator = 0;
  const system: ActorSystem = new ActorSystem({ node: 'syncer', scheduler, rng, clock }, [
    ...Array.from({ length: o.cores }, (_, i) =>
      validationActor(i, { spec, scheme: o.scheme, clock, modelledCostMs: o.verifyCostMs * o.verificationsPerBlock }),
    ),
    engineActor(el),
    syncActor({
      config: o.config,
      clock,
      send: (peer, bytes) => ep.send(peer, bytes),
      validate: async (blocks) => {
        // Each block to the next validation actor: o.cores of them check signatures in parallel.
        const verdicts = await Promise.all(
          blocks.map((b) =>
            system.ref<ValidationMsg>(validationActorName(nextValidator++ % o.cores)).ask(
              { type: 'validate', block: b, parent: { height: b.message.height - 1, slot: b.message.slot - 1 }, requireApprovals: true, skipProposerCheck: false },
              600_000,
            ),
          ),
        );
        return verdicts.every((v) => v.ok);
      },
      execute: async (b) => {
        const s = await system.ref<EngineMsg>(engineActorName).ask({ type: 'execute', payload: b.message.executionPayload }, 600_000);
        return s.status === 'VALID' ? 'valid' : s.status === 'INVALID' ? 'invalid' : 'unavailable';
      },
      commit: async (b) => {
        const h = b.message.executionPayload.blockHash;
        const st = await system.ref<EngineMsg>(engineActorName).ask({ type: 'commit', headPayloadHash: h, finalizedPayloadHash: h }, 600_000);
        return st.status === 'VALID' ? 'valid' : st.status === 'INVALID' ? 'invalid' : 'unavailable';
      },
      persist: async (blocks, checkpoint) => {
        const ops = blocks.map((b) => ({ type: 'put' as const, key: `sync/block/${String(b.message.height).padStart(12, '0')}`, value: encodeBlock(b) }));
        await storage.write(ops, { sync: true });
        if (checkpoint !== undefined) await storage.write([{ type: 'put', key: checkpointKey(checkpoint.height), value: encodeCheckpoint(checkpoint) }], { sync: true });
      },
      onProgress: (p) => {
        progress = p;
        if (p.state === 'synced' && syncedAt === undefined) syncedAt = scheduler.now();
      },
      sometimes,
    }),
  ]).start();
  ep.onReceive((from, bytes) => system.ref<SyncMsg>(syncActorName).tell({ type: 'inbound', from, bytes }));
  system.ref<SyncMsg>(syncActorName).tell({
    type: 'start',
    anchor: { height: 0, hash: o.chain.genesisHash },
    peers: peerIds.map((id) => ({ id, height: o.chain.blocks.length })),
  });
  const step = 1_000;
  for (let t = step; t <= o.maxSimMs; t += step) {
    await scheduler.runUntil(t);
    if (progress?.state === 'synced' || progress?.state === 'failed') break;
  }
  const done = progress?.state === 'synced';
  const simulatedMs = syncedAt ?? scheduler.now();
  const height = progress?.currentHeight ?? 0;
  system.kill();
  return {
    ok: done,
    state: progress?.state ?? 'discovering',
    height,
    simulatedMs,
    blocksPerSec: simulatedMs > 0 ? (height * 1000) / simulatedMs : 0,
    executed: el.executed,
    events: scheduler.executed,
    lastCheckpoint: progress?.lastCheckpoint,
    probes,
  };
}
