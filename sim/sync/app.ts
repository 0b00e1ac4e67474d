// Sync as a SimApp: n0 syncs a long chain from the other honest nodes (serving peers); Byzantine
// nodes serve forged batches (altered payloads, or a validly signed fork that does not link). The
// world's faults apply as usual: crash n0 mid-sync, partition the servers away, and so on.
import { type CheckpointMsg, checkpointActor, checkpointActorName } from '../../src/actors/checkpoint-actor.ts';
import { type SyncActivity, type SyncMsg, parallelDefaults, sequentialDefaults, syncActor, syncActorName } from '../../src/actors/sync-actor.ts';
import { type ValidationMsg, validationActor, validationActorName } from '../../src/actors/validation-actor.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { type EngineMsg, engineActor, engineActorName } from '../../src/actors/engine-actor.ts';
import { blockHash, decodeBlock, encodeBlock } from '../../src/codec/block-codec.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { blsScheme } from '../../src/crypto/bls.ts';
import type { SignatureScheme } from '../../src/crypto/signature-scheme.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { SimExecution } from '../../src/io/sim/execution.ts';
import { actor } from '../../src/kernel/actor.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { decodeSync, encodeSync } from '../../src/sync/range-protocol.ts';
import type { SyncProgress } from '../../src/sync/sync-state.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import { toHex } from '../../src/types/hex.ts';
import { type SimApp, type SimNodeContext, nodeSystemOptions } from '../app.ts';
import type { Scenario } from '../scenario.ts';
import { syncInvariants } from './invariants.ts';
import { type SourceChain, buildSourceChain } from './source-chain.ts';

export interface SyncView {
  readonly role: 'syncer' | 'server';
  readonly recovered: boolean;
  readonly progress: SyncProgress | undefined;
  /** What the sync pipeline waits on (requests, its timer, answers), as it last published it. */
  readonly activity: SyncActivity | undefined;
  /** Height this incarnation resumed from (its checkpoint, or 0). */
  readonly resumedFrom: number;
  /** Heights this incarnation sent to the execution client more than once. */
  readonly executedTwice: readonly number[];
  /** Blocks this node's execution client executed (over all its incarnations). */
  readonly executed: number;
  /** When this incarnation's sync first reported itself synced. */
  readonly syncedAt: number | undefined;
  /** What is on this node's disk: height → block hash (hex). */
  readonly persisted: ReadonlyMap<number, string>;
  /** The serving peers' chain: height → hash, for the checker to compare with. */
  readonly source: SourceChain;
  readonly sourceHeight: number;
}

const chains = new Map<string, { honest: SourceChain; fork: () => SourceChain }>();

export const schemeFor = (s: Scenario): SignatureScheme => (s.sync.crypto === 'bls' ? blsScheme : simScheme);

/** The serving peers' chain for a scenario (built once per shape and kept for the process). */
export function sourceFor(s: Scenario): { honest: SourceChain; fork: () => SourceChain } {
  const growth = s.sync.growEveryMs > 0 ? Math.ceil(s.durationMs / s.sync.growEveryMs) + 10 : 0;
  const length = s.sync.blocks + growth;
  const key = `${s.sync.crypto}|${length}`;
  let c = chains.get(key);
  if (c === undefined) {
    const scheme = schemeFor(s);
    let fork: SourceChain | undefined;
    // The fork has the same authorities (so its signatures verify) but hangs off another parent;
    // built only when a Byzantine server first needs it.
    c = { honest: buildSourceChain(length, scheme), fork: () => (fork ??= buildSourceChain(length, scheme, 8, 100, new Uint8Array(32).fill(0xf0))) };
    chains.set(key, c);
  }
  return c;
}

function heightAt(s: Scenario, now: number): number {
  return s.sync.growEveryMs > 0 ? s.sync.blocks + Math.floor(now / s.sync.growEveryMs) : s.sync.blocks;
}

function server(ctx: SimNodeContext, forge: boolean): { tick: () => void; onReceive: (from: string, bytes: Uint8Array) => void } {
  const { honest, fork } = sourceFor(ctx.scenario);
  const net = ctx.io.network;
  let served = 0;
  return {
    tick: () => {
      const status = encodeSync({ kind: 'status', height: heightAt(ctx.scenario, ctx.scheduler.now()) });
      for (const p of net.peers()) net.send(p, status);
    },
    onReceive: (from, bytes) => {
      let m;
      try {
        m = decodeSync(bytes);
      } catch {
        return;
      }
      if (m.kind !== 'request') return;
      const top = heightAt(ctx.scenario, ctx.scheduler.now());
      const end = Math.min(top, m.startHeight + m.count - 1);
      let blocks = honest.blocks.slice(m.startHeight - 1, end) as SignedConsensusBlock[];
      if (forge && blocks.length > 0) {
        served++;
        if (served % 2 === 0) {
          blocks = fork().blocks.slice(m.startHeight - 1, end) as SignedConsensusBlock[];
          ctx.sometimes('sync.fork-batch-served');
        } else {
          const k = Math.floor(blocks.length / 2);
          const b = blocks[k] as SignedConsensusBlock;
          blocks = [...blocks];
          blocks[k] = { ...b, message: { ...b.message, executionPayload: { ...b.message.executionPayload, gasUsed: b.message.executionPayload.gasUsed + 1 } } };
          ctx.sometimes('sync.forged-batch-served');
        }
      }
      net.send(from, encodeSync({ kind: 'response', requestId: m.requestId, blocks }));
    },
  };
}

type BootMsg = { readonly type: 'noop' };

function buildSyncer(ctx: SimNodeContext) {
  const s = ctx.scenario;
  const source = sourceFor(s).honest;
  let el = ctx.persistent.get('el') as SimExecution | undefined;
  if (el === undefined) {
    el = new SimExecution({ scheduler: ctx.scheduler, owner: { alive: true }, latencyMs: s.sync.execMs, forkchoiceLatencyMs: s.sync.forkchoiceMs, txsPerBlock: 0 }, genesisPayload());
    ctx.persistent.set('el', el);
  }
  const spec: ChainSpec = {
    chainId: 121212,
    slotDurationMs: 2_000,
    genesisTimeMs: 0,
    authorities: source.keys.map((k) => k.publicKey),
    futureToleranceMs: 500,
    maxBlocksWithoutPow: 1_000_000,
    auxPowChainId: 1337,
    initialBits: 0x207fffff,
    auxPowTargetSpacingSlots: 5,
  };
  const base = s.sync.strategy === 'sequential' ? sequentialDefaults : { ...parallelDefaults, batchSize: s.sync.batchSize };
  const config = { ...base, checkpointEvery: s.sync.checkpointEvery, productionThreshold: s.sync.productionThreshold };
  const cores = s.sync.strategy === 'sequential' ? 1 : s.sync.cores;
  const storage = ctx.io.storage;
  const persisted = new Map<number, string>();
  const executed = new Set<number>();
  const executedTwice: number[] = [];
  let progress: SyncProgress | undefined;
  let activity: SyncActivity | undefined;
  let syncedAt: number | undefined;
  let recovered = false;
  let resumedFrom = 0;
  let nextValidator = 0;
  const enc = new TextEncoder();
  void enc;
  const elRef = el;
  const system: ActorSystem = new ActorSystem(nodeSystemOptions(ctx), [
    ...Array.from({ length: cores }, (_, i) => validationActor(i, { spec, scheme: schemeFor(s), clock: ctx.io.clock, modelledCostMs: s.sync.verifyCostMs * 2 })),
    checkpointActor(storage),
    engineActor(elRef),
    syncActor({
      config,
      clock: ctx.io.clock,
      send: (peer, bytes) => ctx.io.network.send(peer, bytes),
      validate: async (blocks) => {
        const verdicts = await Promise.all(
          blocks.map((b) =>
            system.ref<ValidationMsg>(validationActorName(nextValidator++ % cores)).ask(
              { type: 'validate', block: b, parent: { height: b.message.height - 1, slot: b.message.slot - 1 }, requireApprovals: true, skipProposerCheck: false },
              600_000,
            ),
          ),
        );
        return verdicts.every((v) => v.ok);
      },
      execute: async (b) => {
        const h = b.message.height;
        if (executed.has(h)) executedTwice.push(h);
        executed.add(h);
        // Through the EngineActor, which hands the execution client one block at a time, in order.
        const st = await system.ref<EngineMsg>(engineActorName).ask({ type: 'execute', payload: b.message.executionPayload }, 600_000);
        return st.status === 'VALID' ? 'valid' : st.status === 'INVALID' ? 'invalid' : 'unavailable';
      },
      commit: async (b) => {
        const h = b.message.executionPayload.blockHash;
        const st = await system.ref<EngineMsg>(engineActorName).ask({ type: 'commit', headPayloadHash: h, finalizedPayloadHash: h }, 600_000);
        return st.status === 'VALID' ? 'valid' : st.status === 'INVALID' ? 'invalid' : 'unavailable';
      },
      persist: async (blocks, checkpoint) => {
        const blockOps = blocks.map((b) => ({ type: 'put' as const, key: `sync/block/${String(b.message.height).padStart(12, '0')}`, value: encodeBlock(b) }));
        const cp = system.ref<CheckpointMsg>(checkpointActorName);
        if (ctx.bugs.has('sync-checkpoint-before-persist')) {
          // Planted bug: the checkpoint reaches the disk first and the blocks are not synced.
          if (checkpoint !== undefined) await cp.ask({ type: 'save', checkpoint }, 60_000);
          await storage.write(blockOps, { sync: false });
        } else {
          await storage.write(blockOps, { sync: true });
          if (checkpoint !== undefined) await cp.ask({ type: 'save', checkpoint }, 60_000);
        }
        for (const b of blocks) persisted.set(b.message.height, toHex(blockHash(b.message)));
      },
      onProgress: (p) => {
        progress = p;
        if (p.state === 'synced' && p.targetHeight > 0) syncedAt ??= ctx.scheduler.now();
      },
      publish: (a) => {
        activity = a;
      },
      sometimes: ctx.sometimes,
      bugs: ctx.bugs,
    }),
    actor<BootMsg>({
      name: 'boot',
      dependsOn: [syncActorName, checkpointActorName],
      create: (bctx) => ({
        async onStart() {
          // What is already on disk, and where to resume: the newest valid checkpoint.
          for (const [, v] of await storage.scan('sync/block/')) {
            const b = decodeBlock(v);
            persisted.set(b.message.height, toHex(blockHash(b.message)));
          }
          const cp = await bctx.ask(system.ref<CheckpointMsg>(checkpointActorName), { type: 'latest' }, 60_000);
          resumedFrom = cp?.height ?? 0;
          if (cp !== undefined) ctx.sometimes('sync.resumed-from-checkpoint');
          const anchor = cp ?? { height: 0, hash: source.genesisHash };
          const sync = system.ref<SyncMsg>(syncActorName);
          ctx.io.network.onReceive((from, bytes) => sync.tell({ type: 'inbound', from, bytes }));
          sync.tell({ type: 'start', anchor, peers: [] });
          recovered = true;
        },
        handlers: { noop: () => undefined },
      }),
    }),
  ]).start();
  return {
    system,
    view: (): SyncView => ({
      role: 'syncer',
      recovered,
      progress,
      activity,
      resumedFrom,
      executedTwice,
      executed: elRef.executed,
      syncedAt,
      persisted,
      source,
      sourceHeight: heightAt(s, ctx.scheduler.now()),
    }),
  };
}

export const syncApp: SimApp<SyncView> = {
  name: 'sync',
  buildNode(ctx) {
    if (ctx.id === 'n0') return buildSyncer(ctx);
    const srv = server(ctx, false);
    ctx.io.network.onReceive(srv.onReceive);
    // Serving peers run no actors of their own; an empty system keeps the world's bookkeeping uniform.
    const system = new ActorSystem(nodeSystemOptions(ctx), []).start();
    const tick = (): void => {
      srv.tick();
      ctx.io.clock.setTimer(1_000, tick);
    };
    ctx.io.clock.setTimer(ctx.rng.int(500), tick);
    const source = sourceFor(ctx.scenario).honest;
    return {
      system,
      view: (): SyncView => ({ role: 'server', recovered: true, progress: undefined, activity: undefined, resumedFrom: 0, executedTwice: [], executed: 0, syncedAt: undefined, persisted: new Map(), source, sourceHeight: heightAt(ctx.scenario, ctx.scheduler.now()) }),
    };
  },
  buildByzantine(ctx) {
    const srv = server(ctx, true);
    return { onReceive: srv.onReceive, tick: srv.tick };
  },
  invariants: syncInvariants,
  swarmVariant(s, rng) {
    // Small networks are normal (a node bootstrapping from one authority): a swarm draws 1 to 4
    // honest serving peers besides the syncing n0, so the one-peer case is always covered.
    return { ...s, nodes: 2 + rng.int(4) };
  },
  bugs: {
    'sync-strict-peer-exclusion': 'sync never retries a batch from the peer that last failed it, and nothing wakes it when no other peer is left',
    'sync-trust-unlinked': 'sync trusts a batch without checking that it links to the previous one',
    'sync-checkpoint-before-persist': 'sync writes its checkpoint before the blocks it covers are on disk',
  },
  probes: ['sync.resumed-from-checkpoint', 'sync.forged-batch-refetched', 'sync.unlinked-batch-refetched', 'sync.request-timed-out', 'sync.retried-failed-peer', 'sync.waiting-for-peer'],
};
