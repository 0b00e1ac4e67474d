// The production node's actor tree: the same actors the simulation runs (src/actors), over the IO a
// caller hands in — real Geth, bitcoind/btcd, governance, libp2p and LevelDB in production. Only the
// wiring lives here; the rules are in the actors' domain code.
import { type AuxPowMsg, auxPowActor } from '../actors/auxpow-actor.ts';
import { type BridgeMsg, type BridgeView, bridgeActor, bridgeActorName } from '../actors/bridge-actor.ts';
import { type ChainMsg, chainActor, chainActorName } from '../actors/chain-actor.ts';
import { type EngineMsg, engineActor, engineActorName } from '../actors/engine-actor.ts';
import { type RolloutMsg, type RolloutView, rolloutActor, rolloutActorName } from '../actors/rollout-actor.ts';
import { type SyncActivity, type SyncConfig, type SyncMsg, parallelDefaults, sequentialDefaults, syncActor, syncActorName } from '../actors/sync-actor.ts';
import { type ValidationMsg, validationActorName } from '../actors/validation-actor.ts';
import type { NetworkMsg } from '../actors/network-actor.ts';
import { networkActor } from '../actors/network-actor.ts';
import { type PegInMsg, pegInActor, pegInActorName } from '../actors/peg-in-actor.ts';
import { pegOutActor } from '../actors/peg-out-actor.ts';
import { peerActor } from '../actors/peer-actor.ts';
import { storageActor } from '../actors/storage-actor.ts';
import { type StreamMsg, streamActor, streamActorName, streamDefaults } from '../actors/stream-actor.ts';
import { type RefundMsg, refundActor, refundActorName } from '../actors/refund-actor.ts';
import { validationActor } from '../actors/validation-actor.ts';
import { networkActorName } from '../actors/network-actor.ts';
import type { Federation } from '../bridge/federation.ts';
import type { ChainView } from '../chain/chain-view.ts';
import { validateGossip } from '../chain/gossip-validation.ts';
import { NetworkCounters } from '../network/network-counters.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { type SetVerifier, inThreadVerifier } from '../consensus/signature-sets.ts';
import type { KeyPair, SignatureScheme } from '../crypto/signature-scheme.ts';
import type { BitcoinClient } from '../io/bitcoin.ts';
import type { Clock } from '../io/clock.ts';
import { SyncProgressReport } from '../sync/progress-report.ts';
import type { ExecutionClient } from '../io/execution.ts';
import type { GovernanceLink } from '../io/governance.ts';
import type { NetworkIO } from '../io/network.ts';
import type { StorageIO } from '../io/storage.ts';
import { type StorageAudit, checksummedStorage, describeCorrupt } from '../io/checksummed-storage.ts';
import { ActorSystem, type ActorSystemOptions } from '../kernel/actor-system.ts';
import { type BugSwitches, noBugs } from '../kernel/bugs.ts';
import { errorLine } from '../kernel/errors.ts';
import type { Rng } from '../kernel/rng.ts';
import type { Scheduler } from '../kernel/scheduler.ts';
import { supervisor } from '../kernel/supervisor.ts';
import type { ExecutionPayload } from '../types/chain.ts';
import { equalBytes, fromHex, toHex } from '../types/hex.ts';
import { blockHash } from '../codec/block-codec.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { EngineRouter } from '../rollout/engine-router.ts';
import { FeatureStore } from './feature-store.ts';
import { spendableOnly } from './spendable-bitcoin.ts';
import { defaultFeatures } from './features.ts';

export interface NodeIOs {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly storage: StorageIO;
  readonly network: NetworkIO;
  readonly execution: ExecutionClient;
  readonly executionGenesis: ExecutionPayload;
  /** Signature sets on worker threads; in-thread when absent. */
  readonly verifier?: SetVerifier;
  readonly bridge?: {
    readonly bitcoin: BitcoinClient;
    readonly governance: GovernanceLink;
    readonly federation: Federation;
    readonly network: 'regtest' | 'testnet' | 'mainnet';
    readonly confirmations: number;
    /** Confirmations after which a payout counts as done; `confirmations` when absent. */
    readonly payoutConfirmations?: number;
    readonly startHeight: number;
    readonly minPegOutSats: bigint;
  };
  /** Simulation only: sees every record read through the checksum layer (the corrupt-read checker). */
  readonly storageAudit?: StorageAudit;
  /** Trace, probe and planted bugs of a simulated node (none in production). */
  readonly system?: Pick<ActorSystemOptions, 'trace' | 'probe' | 'bugs'>;
}

/**
 * The knobs that differ between the production node and a simulated one: supervision budgets,
 * polling intervals, the execution client's build wait, the modelled signature cost, planted bugs.
 */
export interface NodeTuning {
  readonly rootIntensity: { readonly maxRestarts: number; readonly windowMs: number };
  readonly intensity: { readonly maxRestarts: number; readonly windowMs: number };
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly bridgeBackoff: { readonly initialMs: number; readonly maxMs: number };
  readonly engineBuildWaitMs: number;
  /** Simulation only: virtual ms a block's signature checks cost on a validation actor. */
  readonly validationCostMs: number;
  readonly bridgePollMs: number;
  readonly bridgeReaskMs: number;
  readonly bugs: BugSwitches;
}

export const productionTuning: NodeTuning = {
  rootIntensity: { maxRestarts: 5, windowMs: 60_000 },
  intensity: { maxRestarts: 20, windowMs: 60_000 },
  backoff: { initialMs: 200, maxMs: 10_000 },
  bridgeBackoff: { initialMs: 200, maxMs: 10_000 },
  engineBuildWaitMs: 250,
  validationCostMs: 0,
  bridgePollMs: 5_000,
  bridgeReaskMs: 60_000,
  bugs: noBugs,
};

export interface NodeParams {
  readonly id: string;
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  readonly key: KeyPair | undefined;
  readonly feeRecipient: Uint8Array;
  readonly productionThreshold: number;
  readonly validators: number;
  /** How the SyncActor catches the node up when it is far behind (its productionThreshold is the node's). */
  readonly sync: SyncConfig;
  readonly log: (line: string) => void;
  /** Counts interesting paths; a simulated node reports them to the swarm. */
  readonly sometimes?: (probe: string) => void;
  /** The live feature flags (reloaded by the operator); the defaults when absent. */
  readonly features?: FeatureStore;
}

export interface AssembledNode {
  readonly system: ActorSystem;
  chainView(): ChainView | undefined;
  bridgeView(): BridgeView | undefined;
  /** What the sync pipeline waits on, once it has handled a message. */
  syncActivity(): SyncActivity | undefined;
  readonly probes: ReadonlyMap<string, number>;
  /** Gossip verdicts and bans (the production node exports them on /metrics). */
  readonly counters: NetworkCounters;
  rolloutView(): RolloutView | undefined;
  readonly features: FeatureStore;
}

export function assembleNode(io: NodeIOs, p: NodeParams, t: NodeTuning = productionTuning): AssembledNode {
  let chainView: ChainView | undefined;
  let bridgeView: BridgeView | undefined;
  let syncActivity: SyncActivity | undefined;
  let rolloutView: RolloutView | undefined;
  const features = p.features ?? new FeatureStore({ ...defaultFeatures, improvedSync: p.sync.strategy === 'parallel' });
  const probes = new Map<string, number>();
  const counters = new NetworkCounters();
  const sometimes =
    p.sometimes ??
    ((probe: string): void => {
      probes.set(probe, (probes.get(probe) ?? 0) + 1);
    });
  const backoff = { kind: 'backoff' as const, ...t.backoff, multiplier: 2, jitter: 0.2 };
  // The gossip rules' view of the chain, read when a message is judged (made once, not per message).
  const knownBlock = (hash: string): boolean => chainView?.committed.has(hash) === true;
  const skipProposerCheck = t.bugs.has('chain-skip-proposer-check');
  const bridgeBackoff = { kind: 'backoff' as const, ...t.bridgeBackoff, multiplier: 2, jitter: 0.2 };
  const intensity = t.intensity;
  const b = io.bridge;
  // Every engine call goes through the router: outside the staged V3 rollout it passes calls through.
  const execution = new EngineRouter({
    inner: io.execution,
    genesis: io.executionGenesis,
    mode: () => features.current().lighthouseV5.mode,
    percent: () => rolloutView?.percent ?? 0,
    record: (outcome) => void system.ref<RolloutMsg>(rolloutActorName).tell({ type: 'outcome', outcome }),
  });
  // Planted bug chain-gossip-skip-signatures: the gossip rules take every signature as valid. The
  // pipeline and the chain take a gossip block's and an approval's signatures as verified there,
  // so only the checkers can catch it.
  const gossipScheme: SignatureScheme = t.bugs.has('chain-gossip-skip-signatures')
    ? { name: p.scheme.name, keyFromSeed: (seed) => p.scheme.keyFromSeed(seed), aggregate: (sigs) => p.scheme.aggregate(sigs), verify: () => true, verifyAggregate: () => true }
    : p.scheme;
  // The parallelValidation flag, read at each verification: the worker pool, or the main thread.
  const inThread = inThreadVerifier(p.scheme);
  const pool = io.verifier;
  const verifier: SetVerifier | undefined = pool === undefined ? undefined : (sets) => (features.current().parallelValidation ? pool(sets) : inThread(sets));
  // Every actor stores through the checksum layer: a record that fails its check is absent to them.
  const storage = checksummedStorage(io.storage, {
    bugs: t.bugs,
    onCorrupt: (c) => {
      sometimes('storage.corrupt-record');
      p.log(describeCorrupt(c));
    },
    onRepaired: (key) => {
      sometimes('storage.record-repaired');
      p.log(`corrupt record ${key} written again`);
    },
    ...(io.storageAudit !== undefined ? { audit: io.storageAudit } : {}),
  });
  const tree = supervisor({
    name: 'root',
    strategy: 'one-for-one',
    restart: { kind: 'immediate' },
    intensity: t.rootIntensity,
    children: [
      supervisor({ name: 'storage-supervisor', strategy: 'one-for-one', restart: backoff, intensity, children: [storageActor(storage, t.bugs)] }),
      supervisor({
        name: 'network-supervisor',
        strategy: 'one-for-one',
        restart: backoff,
        intensity,
        children: [
          networkActor({
            io: io.network,
            routes: { chain: () => system.ref<ChainMsg>(chainActorName), sync: () => system.ref<SyncMsg>(syncActorName) },
            judge: (kind, bytes) =>
              validateGossip(kind, bytes, {
                spec: p.spec,
                scheme: gossipScheme,
                nowMs: io.clock.now(),
                finalizedHeight: chainView === undefined ? 0 : chainView.finalized.length - 1,
                known: knownBlock,
                skipProposerCheck,
              }),
            counters,
            bugs: t.bugs,
            sometimes,
          }),
          peerActor({ sometimes, log: p.log, counters }),
        ],
      }),
      supervisor({
        name: 'chain-supervisor',
        strategy: 'rest-for-one',
        restart: backoff,
        intensity,
        children: [
          ...Array.from({ length: p.validators }, (_, i) =>
            validationActor(i, { spec: p.spec, scheme: p.scheme, clock: io.clock, modelledCostMs: t.validationCostMs, ...(verifier !== undefined ? { verifier } : {}) }),
          ),
          rolloutActor({
            storage,
            settings: () => features.current().lighthouseV5.rollout,
            startPercent: () => features.current().lighthouseV5.startPercent,
            publish: (v) => {
              rolloutView = v;
            },
            log: p.log,
            sometimes,
            ignoreGates: t.bugs.has('rollout-ignore-gates'),
          }),
          engineActor(execution, t.engineBuildWaitMs > 0 ? { ms: t.engineBuildWaitMs, clock: io.clock } : undefined),
          syncActor(syncDeps()),
          chainActor({
            spec: p.spec,
            scheme: p.scheme,
            key: p.key,
            clock: io.clock,
            bugs: t.bugs,
            feeRecipient: p.feeRecipient,
            sometimes,
            publish: (v) => {
              chainView = v;
            },
            validators: p.validators,
            productionThreshold: p.productionThreshold,
            executionGenesis: io.executionGenesis,
            log: p.log,
            ...(b !== undefined
              ? {
                  pegIns: {
                    confirmed: () => system.ref<PegInMsg>(pegInActorName).ask({ type: 'confirmed' }, 20_000),
                    verify: (deposits) => system.ref<PegInMsg>(pegInActorName).ask({ type: 'verify', deposits }, 20_000),
                  },
                }
              : {}),
          }),
          auxPowActor(p.spec, sometimes),
        ],
      }),
      ...(b === undefined
        ? []
        : [
            supervisor({
              name: 'bridge-supervisor',
              strategy: 'one-for-one',
              restart: bridgeBackoff,
              intensity,
              children: [
                streamActor({
                  link: b.governance,
                  config: streamDefaults,
                  // Refunds' answers to the RefundActor; everything else to the bridge.
                  deliver: (message) =>
                    message.type === 'signature' && message.response.requestId.startsWith('refund:')
                      ? system.ref<RefundMsg>(refundActorName).tell({ type: 'governance', response: message.response })
                      : system.ref<BridgeMsg>(bridgeActorName).tell({ type: 'governance', message }),
                  sometimes,
                }),
                pegInActor({ bitcoin: b.bitcoin, storage, federation: b.federation, startHeight: b.startHeight, confirmations: b.confirmations, pollEveryMs: t.bridgePollMs, bugs: t.bugs, sometimes, log: p.log }),
                bridgeActor({
                  bitcoin: spendableOnly(b.bitcoin, () => system.ref<PegInMsg>(pegInActorName).ask({ type: 'classified' }, 20_000)),
                  storage,
                  network: b.network,
                  federation: b.federation,
                  payoutConfirmations: b.payoutConfirmations ?? b.confirmations,
                  spendConfirmations: b.confirmations,
                  reaskAfterMs: t.bridgeReaskMs,
                  tickEveryMs: t.bridgePollMs,
                  bugs: t.bugs,
                  sometimes,
                  publish: (v) => {
                    bridgeView = v;
                  },
                  pausedLocally: () => features.current().peg.paused,
                  onFederation: (f, until) => system.ref<PegInMsg>(pegInActorName).tell({ type: 'federation', federation: f, previousValidUntilHeight: until }),
                  rejectedDeposits: () => system.ref<PegInMsg>(pegInActorName).ask({ type: 'rejected-txids' }, 20_000),
                  log: p.log,
                }),
                refundActor({
                  storage,
                  bitcoin: b.bitcoin,
                  network: b.network,
                  rejected: (txid) => system.ref<PegInMsg>(pegInActorName).ask({ type: 'rejected-deposit', txid }, 20_000),
                  send: (message) => system.ref<StreamMsg>(streamActorName).tell({ type: 'send', message }),
                  confirmations: b.payoutConfirmations ?? b.confirmations,
                  reaskAfterMs: t.bridgeReaskMs,
                  tickEveryMs: t.bridgePollMs,
                  sometimes,
                  log: p.log,
                }),
                pegOutActor({
                  execution: io.execution,
                  storage,
                  network: b.network,
                  minSats: b.minPegOutSats,
                  pollEveryMs: t.bridgePollMs,
                  finalizedAfter: (height) => system.ref<ChainMsg>(chainActorName).ask({ type: 'finalized-after', height, max: 64 }, 20_000),
                  bugs: t.bugs,
                  sometimes,
                  log: p.log,
                }),
              ],
            }),
          ]),
    ],
  });
  // The operator's sync progress lines; one per node, so it spans the sync actor's restarts.
  const progressReport = new SyncProgressReport({ log: p.log });
  function syncDeps(): Parameters<typeof syncActor>[0] {
    let nextValidator = 0;
    const engine = () => system.ref<EngineMsg>(engineActorName);
    const status = (s: string): 'valid' | 'invalid' | 'unavailable' => (s === 'VALID' ? 'valid' : s === 'INVALID' ? 'invalid' : 'unavailable');
    // A run starts from the finalized block, so it downloads again the unfinalized blocks the chain
    // holds. Those are executed, and Geth's head is at or past them: committing one would move Geth's
    // head back, which Geth refuses more than 32 blocks deep (--engine.maxreorgdepth). They pass as
    // they are; a downloaded block that differs from ours at its height is executed and committed.
    const ours = (b: SignedConsensusBlock): boolean => {
      const held = chainView?.reads?.block({ height: b.message.height });
      return held !== undefined && equalBytes(held.hash, blockHash(b.message));
    };
    return {
      config: liveSyncConfig(p.sync, p.productionThreshold, features),
      clock: io.clock,
      send: (peer, bytes) => system.ref<NetworkMsg>(networkActorName).tell({ type: 'send-bytes', peer, bytes }),
      validate: async (blocks) => {
        // The batch in one chunk per validation actor; each chunk's signatures are verified as one
        // batch (on the worker pool in production).
        const per = Math.ceil(blocks.length / p.validators);
        const chunks: Array<Promise<readonly { ok: boolean }[]>> = [];
        for (let i = 0; i < blocks.length; i += per) {
          const chunk = blocks.slice(i, i + per).map((b, j) => {
            // The batch's first block hangs off a block the chain holds (the anchor): checked against
            // it; one whose parent the chain does not hold fails there, at adoption.
            const prev = blocks[i + j - 1]?.message ?? chainView?.reads?.block({ hash: b.message.parentHash })?.block.message;
            const parent = prev !== undefined ? { height: prev.height, slot: prev.slot, payload: prev.executionPayload } : { height: b.message.height - 1, slot: b.message.slot - 1 };
            return { block: b, parent };
          });
          chunks.push(system.ref<ValidationMsg>(validationActorName(nextValidator++ % p.validators)).ask({ type: 'validate-batch', blocks: chunk }, 120_000));
        }
        return (await Promise.all(chunks)).every((r) => r.every((v) => v.ok));
      },
      execute: async (b) => {
        if (ours(b)) return 'valid';
        const st = (await engine().ask({ type: 'execute', payload: b.message.executionPayload }, 60_000)).status;
        // SYNCING for the block that extends our chain: the client lost blocks we hold (the chain
        // actor replays them from disk); retrying the batch alone would never end.
        if (st === 'SYNCING' && toHex(b.message.parentHash) === chainView?.headHash) system.ref<ChainMsg>(chainActorName).tell({ type: 'execution-behind' });
        return status(st);
      },
      commit: async (b) => {
        if (ours(b)) return 'valid';
        // The head moves to the batch's tip; finality stays the chain's (AuxPow decides it, not sync).
        const fin = chainView?.finalizedPayloadHash;
        const h = b.message.executionPayload.blockHash;
        const st = await engine().ask({ type: 'commit', headPayloadHash: h, finalizedPayloadHash: fin === undefined ? io.executionGenesis.blockHash : fromHex(fin) }, 60_000);
        return status(st.status);
      },
      persist: async (blocks) => {
        // The chain's committed blocks are the checkpoint: a restart recovers them from disk and
        // syncs on from there, never from genesis.
        const r = await system.ref<ChainMsg>(chainActorName).ask({ type: 'adopt', blocks }, 120_000);
        if (!r.ok) throw new Error(r.reason);
      },
      onProgress: (progress) => system.ref<ChainMsg>(chainActorName).tell({ type: 'sync-progress', progress }),
      publish: (a) => {
        syncActivity = a;
        progressReport.observe(io.clock.now(), a.progress);
      },
      sometimes,
      bugs: t.bugs,
    };
  }
  const system: ActorSystem = new ActorSystem({ ...io.system, node: p.id, scheduler: io.scheduler, rng: io.rng, clock: io.clock, defaultAskTimeoutMs: 30_000 }, tree);
  // An actor's failure is the operator's to see: the supervisor restarts it, and what it was doing
  // starts again from its persisted state (a nemesis run stalled on restarts nobody saw).
  system.bus.subscribe((e) => {
    if (e.type === 'actor-failed') p.log(`actor ${e.actor} failed (${errorLine(e.error)}); its supervisor restarts it`);
    else if (e.type === 'escalated') p.log(`supervisor ${e.supervisor} gave up restarting (${errorLine(e.error)}); escalated`);
  });
  return { system, chainView: () => chainView, bridgeView: () => bridgeView, syncActivity: () => syncActivity, rolloutView: () => rolloutView, probes, features, counters };
}

/**
 * The sync config as the SyncActor reads it: the improvedSync flag picks the strategy's defaults at
 * each read, so a reload takes effect at the sync's next decision without restarting it. Settings
 * the operator gave explicitly (the batch size) stay as given.
 */
function liveSyncConfig(base: SyncConfig, productionThreshold: number, features: FeatureStore): SyncConfig {
  // Recomputed only when the flag changes: the sync actor reads its config on every decision.
  let at = -1;
  let current = base;
  const pick = (): SyncConfig => {
    if (at === features.generation()) return current;
    at = features.generation();
    const wanted = features.current().improvedSync ? 'parallel' : 'sequential';
    const defaults = wanted === 'parallel' ? parallelDefaults : sequentialDefaults;
    current = wanted === base.strategy ? base : { ...base, strategy: wanted, window: defaults.window, maxInFlightPerPeer: defaults.maxInFlightPerPeer, requestTimeoutMs: defaults.requestTimeoutMs };
    return current;
  };
  const live = {} as SyncConfig;
  for (const k of Object.keys(base) as Array<keyof SyncConfig>) Object.defineProperty(live, k, { enumerable: true, get: () => (k === 'productionThreshold' ? productionThreshold : pick()[k]) });
  return live;
}

export type { AuxPowMsg };
