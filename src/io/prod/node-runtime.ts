// Runs the production node: reads and validates the config, opens LevelDB, connects to Geth (its
// genesis becomes the consensus genesis's execution payload), starts libp2p, the signature worker
// pool, the optional bridge links (bitcoind/btcd and governance), assembles the actors
// (src/node/assemble.ts) on the real-time driver, and serves JSON-RPC, /metrics and /status.
import { type SyncConfig, parallelDefaults, sequentialDefaults } from '../../actors/sync-actor.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { federationFromHex, networkOf } from '../../bridge/federation.ts';
import type { ChainSpec } from '../../consensus/chain-spec.ts';
import { blsScheme } from '../../crypto/bls.ts';
import { registerActorMetrics } from '../../kernel/metrics.ts';
import { SeededRng } from '../../kernel/rng.ts';
import { Scheduler } from '../../kernel/scheduler.ts';
import { assembleNode, type AssembledNode } from '../../node/assemble.ts';
import { type NodeConfig, ConfigError, parseNodeConfig } from '../../node/config.ts';
import { callRpcMethod } from '../../node/rpc-methods.ts';
import { callAdminMethod, isAdminMethod } from '../../node/admin-methods.ts';
import { FeatureStore } from '../../node/feature-store.ts';
import { type Features, FeaturesError, defaultFeatures } from '../../node/features.ts';
import { registerOpsMetrics } from '../../node/ops-metrics.ts';
import { registerChainMetrics } from '../../node/chain-metrics.ts';
import { writeBackup } from './backup-files.ts';
import { loadFeatures, watchFeatures } from './features-watcher.ts';
import { registerSyncMetrics } from '../../sync/metrics.ts';
import { type PegInMsg, pegInActorName } from '../../actors/peg-in-actor.ts';
import { pegCounters } from '../../node/peg-report.ts';
import { registerPegMetrics } from './peg-metrics.ts';
import { fromHex, toHex } from '../../types/hex.ts';
import { BitcoinRpc } from './bitcoin-rpc.ts';
import { EngineApiClient } from './engine-client.ts';
import { GrpcGovernanceLink } from './governance-grpc.ts';
import { readJwtSecret } from './jwt.ts';
import { LevelStorage } from './level-storage.ts';
import { createLibp2pNetwork } from './libp2p-network.ts';
import { gossipsubMetrics } from './gossipsub-metrics.ts';
import { registerNetworkMetrics } from '../../network/metrics.ts';
import { RealTimeDriver } from './realtime-driver.ts';
import { startRpcServer } from './rpc-http.ts';
import { SignaturePool } from './signature-pool.ts';
import { governanceViaDriver, networkViaDriver, settleVia, viaDriver } from './via-driver.ts';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly rpcUrl: string;
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly node: AssembledNode;
  stop(): Promise<void>;
}

export function loadNodeConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): NodeConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
  return parseNodeConfig(json, env, path);
}

function readHexFile(path: string, what: string, bytes: number): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim().replace(/^0x/, '');
  } catch (err) {
    throw new ConfigError(`${what} ${path}: ${(err as Error).message}`);
  }
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) throw new ConfigError(`${what} ${path}: must hold ${bytes} bytes as hex`);
  return fromHex(text);
}

async function untilReady<T>(what: string, f: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw new Error(`${what} not reachable after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

let activeLogger: { level: string; error: (line: string) => void } | undefined;

/** Structured JSON logs on stderr (pino); ALYS_LOG_LEVEL sets the level, and so does the features file's logLevel. */
export function nodeLogger(): (line: string) => void {
  const logger = pino({ name: 'alys', level: process.env.ALYS_LOG_LEVEL ?? 'info' }, pino.destination(2));
  activeLogger = { get level() { return logger.level; }, set level(l: string) { logger.level = l; }, error: (line: string) => logger.error(line) };
  return (line) => logger.info(line);
}

export interface StartOptions {
  /** The config file the node was started from: a backup carries it. */
  readonly configPath?: string;
  /** A fault a test harness injects into an in-process node; `alys node` never passes one. */
  readonly dropOutbound?: (to: string, payload: Uint8Array) => boolean;
}

/** The features at start: the file's, or (without one) the defaults the config's own settings imply. */
function initialFeatures(config: NodeConfig): Features {
  if (config.featuresFile !== undefined) return loadFeatures(config.featuresFile);
  return { ...defaultFeatures, improvedSync: config.sync.strategy === 'parallel', lighthouseV5: { ...defaultFeatures.lighthouseV5, mode: config.execution.migration } };
}

export async function startNode(config: NodeConfig, log: (line: string) => void = nodeLogger(), options: StartOptions = {}): Promise<RunningNode> {
  let features: FeatureStore;
  try {
    features = new FeatureStore(initialFeatures(config));
  } catch (err) {
    if (err instanceof FeaturesError) throw new ConfigError(err.message);
    throw err;
  }
  const adminToken = config.rpc.adminTokenFile === undefined ? undefined : readTokenFile(config.rpc.adminTokenFile);
  if (activeLogger !== undefined) activeLogger.level = features.current().logLevel;
  mkdirSync(config.dataDir, { recursive: true });
  const storage = await LevelStorage.open(join(config.dataDir, 'db'));
  const scheduler = new Scheduler();
  const driver = new RealTimeDriver(scheduler);
  const execution = new EngineApiClient({
    engineUrl: config.execution.engineUrl,
    rpcUrl: config.execution.rpcUrl,
    jwtSecret: readJwtSecret(config.execution.jwtSecretFile),
    // In the rollout mode the router picks each call's version; the client's own mode is then moot.
    mode: features.current().lighthouseV5.mode === 'rollout' ? 'v2-only' : (features.current().lighthouseV5.mode as NodeConfig['execution']['migration']),
    ...(config.execution.cancunTime !== undefined ? { cancunTime: config.execution.cancunTime } : {}),
  });
  const executionGenesis = await untilReady('execution client', () => execution.genesisPayload());
  const identitySeed = config.network.identitySeed === undefined ? undefined : fromHex(config.network.identitySeed);
  const registry = new Registry();
  const network = await createLibp2pNetwork({
    listen: config.network.listen,
    bootstrap: config.network.bootstrap,
    metricsRegister: gossipsubMetrics(registry),
    ...(identitySeed !== undefined ? { privateKey: identitySeed } : {}),
    ...(options.dropOutbound !== undefined ? { dropOutbound: options.dropOutbound } : {}),
  });
  const pool = new SignaturePool();
  const c = config.chain;
  const spec: ChainSpec = {
    chainId: c.chainId,
    slotDurationMs: c.slotDurationMs,
    genesisTimeMs: c.genesisTimeMs,
    authorities: c.authorities.map((k) => fromHex(k)),
    futureToleranceMs: 500,
    maxBlocksWithoutPow: c.maxBlocksWithoutPow,
    auxPowChainId: c.auxPowChainId,
    initialBits: c.initialBits,
    auxPowTargetSpacingSlots: c.auxPowTargetSpacingSlots,
  };
  const key = config.authorityKeyFile === undefined ? undefined : blsScheme.keyFromSeed(readHexFile(config.authorityKeyFile, 'authorityKeyFile', 32));
  const b = config.bitcoin;
  const g = config.governance;
  const federation = g === undefined || b === undefined ? undefined : federationFromHex(g.federation.publicKeys, g.federation.threshold, b.network);
  const bridge =
    b !== undefined && g !== undefined && federation !== undefined
      ? {
          bitcoin: viaDriver(
            driver,
            new BitcoinRpc({
              url: b.url,
              auth: b.cookieFile !== undefined ? { cookieFile: b.cookieFile } : { user: b.user as string, password: b.password as string },
              dialect: b.dialect,
              network: networkOf(b.network) as bitcoin.Network,
            }),
          ),
          governance: governanceViaDriver(driver, new GrpcGovernanceLink({ address: g.address, token: g.token, ...(g.tlsCaFile !== undefined ? { tls: { caFile: g.tlsCaFile } } : {}) })),
          federation,
          network: b.network,
          confirmations: b.confirmations,
          startHeight: b.startHeight,
          minPegOutSats: BigInt(g.minPegOutSats),
        }
      : undefined;
  const node = assembleNode(
    {
      scheduler,
      clock: driver.clock(),
      rng: new SeededRng(network.self),
      storage: viaDriver(driver, storage),
      network: networkViaDriver(driver, network),
      execution: viaDriver(driver, execution),
      executionGenesis,
      verifier: (sets) => settleVia(driver, pool.verify(sets)),
      ...(bridge !== undefined ? { bridge } : {}),
    },
    { id: network.self, spec, scheme: blsScheme, key, feeRecipient: new Uint8Array(20), productionThreshold: config.sync.productionThreshold, validators: 4, sync: syncConfigOf(config), log, features },
  );
  features.subscribe((f) => {
    if (activeLogger !== undefined) activeLogger.level = f.logLevel;
    if (f.lighthouseV5.mode !== 'rollout') execution.setMode(f.lighthouseV5.mode);
  });
  const watcher =
    config.featuresFile === undefined
      ? undefined
      : watchFeatures(config.featuresFile, features, { info: log, error: (line) => (activeLogger !== undefined ? activeLogger.error(line) : log(line)) });
  driver.post(() => node.system.start());
  driver.start();
  registerActorMetrics(() => [node.system], registry);
  registerNetworkMetrics(registry, () => node.counters);
  registerOpsMetrics(registry, features, () => node.rolloutView());
  registerChainMetrics(registry, () => node.chainView(), () => network.peers().length);
  registerSyncMetrics(registry, () => {
    const v = node.chainView();
    if (v === undefined) return undefined;
    return { state: v.sync.state, currentHeight: v.sync.currentHeight, targetHeight: v.sync.targetHeight, blocksPerSec: 0, peerCount: v.sync.peerCount, lastCheckpoint: undefined, canProduce: v.sync.canProduce };
  });
  const onDriverEarly = <T>(f: () => Promise<T>): Promise<T> => new Promise<T>((resolve, reject) => driver.post(() => void f().then(resolve, reject)));
  if (bridge !== undefined && federation !== undefined) {
    registerPegMetrics(registry, {
      counters: () =>
        onDriverEarly(async () => pegCounters(node.bridgeView(), await node.system.ref<PegInMsg>(pegInActorName).ask({ type: 'stats' }, 10_000), node.chainView())),
      federationBalanceSats: () => onDriverEarly(async () => (await bridge.bitcoin.listUnspent(federation.scriptPubKey, 0)).reduce((t, u) => t + u.amountSats, 0n)),
    });
  }
  const ctx = {
    system: node.system,
    ...(b !== undefined ? { depositConfirmations: b.confirmations } : {}),
    chainView: () => node.chainView(),
    bridgeView: () => node.bridgeView(),
    // The current federation's: after a rotation governance announced, deposits go to the new address.
    get depositAddress() {
      return federation === undefined ? undefined : (node.bridgeView()?.federationAddress ?? federation.address);
    },
    status: () => ({ peerId: network.self, peers: network.peers().length, gossip: { ...network.gossipStats }, events: Object.fromEntries([...node.probes].sort(([a], [b]) => a.localeCompare(b))), execution: execution.health, authority: key === undefined ? null : toHex(key.publicKey), features: { generation: features.generation(), engineMode: features.current().lighthouseV5.mode, rolloutPercent: node.rolloutView()?.percent ?? null } }),
  };
  const adminCtx = {
    system: node.system,
    token: adminToken,
    backup: (path: string) => {
      const v = node.chainView();
      return writeBackup(storage, resolve(path), { ...(options.configPath !== undefined ? { configPath: options.configPath } : {}), ...(config.featuresFile !== undefined ? { featuresPath: config.featuresFile } : {}) }, v === undefined ? null : { height: v.headHeight, hash: v.headHash });
    },
  };
  const onDriver = <T>(f: () => Promise<T>): Promise<T> => new Promise<T>((resolve, reject) => driver.post(() => void f().then(resolve, reject)));
  const rpc = await startRpcServer({
    listen: config.rpc.listen,
    call: (method, params, bearer) => (isAdminMethod(method) ? onDriver(() => callAdminMethod(adminCtx, method, params, bearer)) : onDriver(() => callRpcMethod(ctx, method, params))),
    metrics: () => registry.metrics(),
    status: () => onDriver(() => callRpcMethod(ctx, 'status', [])),
  });
  // Where tools (alys backup, alys status) find a running node from its data directory.
  writeFileSync(join(config.dataDir, 'rpc.json'), JSON.stringify({ url: rpc.url, pid: process.pid }));
  log(`alys node: ${network.self} rpc ${rpc.url} ${key === undefined ? 'follower' : 'authority'}${bridge === undefined ? '' : `, bridge to ${federation?.address}`}`);
  return {
    config,
    rpcUrl: rpc.url,
    peerId: network.self,
    multiaddrs: network.libp2p.getMultiaddrs().map((m) => m.toString()),
    node,
    stop: async () => {
      watcher?.stop();
      await rpc.close();
      await new Promise<void>((resolve) => driver.post(() => void node.system.shutdown().then(resolve, resolve)));
      await driver.stop();
      await network.stop();
      await pool.close();
      await storage.close();
    },
  };
}

function readTokenFile(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`rpc.adminTokenFile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (token.length < 16) throw new ConfigError(`rpc.adminTokenFile ${path}: the token must be at least 16 characters`);
  return token;
}

/** The config's sync section over the strategy's defaults. */
function syncConfigOf(config: NodeConfig): SyncConfig {
  const base = config.sync.strategy === 'sequential' ? sequentialDefaults : parallelDefaults;
  return { ...base, productionThreshold: config.sync.productionThreshold, ...(config.sync.batchSize !== undefined ? { batchSize: config.sync.batchSize } : {}) };
}
