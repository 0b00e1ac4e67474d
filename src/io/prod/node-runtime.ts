// Runs the production node: reads and validates the config, opens LevelDB, connects to Geth (its
// genesis becomes the consensus genesis's execution payload), starts libp2p, the signature worker
// pool, the optional bridge links (bitcoind/btcd and governance), assembles the actors
// (src/node/assemble.ts) on the real-time driver, and serves JSON-RPC, /metrics and /status.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import * as bitcoin from 'bitcoinjs-lib';
import { pino } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { networkOf } from '../../bridge/federation.ts';
import { blsScheme } from '../../crypto/bls.ts';
import type { KeyPair } from '../../crypto/signature-scheme.ts';
import { registerActorMetrics } from '../../kernel/metrics.ts';
import { SeededRng } from '../../kernel/rng.ts';
import { Scheduler } from '../../kernel/scheduler.ts';
import { assembleNode, type AssembledNode } from '../../node/assemble.ts';
import { type NodeConfig, ConfigError } from '../../node/config.ts';
import { RpcMethodError } from '../../node/rpc-methods.ts';
import { FeatureStore } from '../../node/feature-store.ts';
import { type Features, FeaturesError, defaultFeatures } from '../../node/features.ts';
import { registerOpsMetrics } from '../../node/ops-metrics.ts';
import { registerChainMetrics } from '../../node/chain-metrics.ts';
import { writeBackup } from './backup-files.ts';
import { loadFeatures, watchFeatures } from './features-watcher.ts';
import { planConfigReload, reloadLine } from '../../node/config-diff.ts';
import { loadNodeConfig } from './node-config-file.ts';
import { registerSyncMetrics } from '../../sync/metrics.ts';
import { registerPegMetrics } from './peg-metrics.ts';
import { fromHex, toHex } from '../../types/hex.ts';
import { BitcoinRpc } from './bitcoin-rpc.ts';
import { EngineApiClient } from './engine-client.ts';
import { GrpcGovernanceLink } from './governance-grpc.ts';
import { JwtSecretError, readJwtSecret } from './jwt.ts';
import { LevelStorage, StorageError } from './level-storage.ts';
import { reasonOf } from './node-config-file.ts';
import { createLibp2pNetwork } from './libp2p-network.ts';
import { gossipsubMetrics } from './gossipsub-metrics.ts';
import { registerDirectMessageMetrics, registerNetworkMetrics } from '../../network/metrics.ts';
import { RealTimeDriver } from './realtime-driver.ts';
import { RpcListenError, startRpcServer } from './rpc-http.ts';
import { SignaturePool } from './signature-pool.ts';
import { boundedBitcoin, boundedExecution, boundedFunction, boundedGovernance, boundedNetwork, boundedStorage } from '../boundary.ts';
import { JOURNAL_VERSION } from '../record/journal.ts';
import { encodeValue } from '../record/value-codec.ts';
import { LiveBoundary } from './live-boundary.ts';
import { JournalWriter } from './record/journal-writer.ts';
import { recordingHeader } from '../../node/recording-header.ts';
import { codeFingerprint } from './record/code-fingerprint.ts';
import { nodeServices } from '../../node/node-services.ts';
import { bridgeParamsOf, productionParams } from '../../node/node-params.ts';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly rpcUrl: string;
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly node: AssembledNode;
  stop(): Promise<void>;
}

/**
 * A start-up failure the operator can fix, as one line: a port in use, the data directory held by
 * another node, the execution client unreachable. What the node opened before it is released.
 */
export class StartupError extends Error {
  constructor(
    readonly resource: 'data-dir' | 'network' | 'rpc' | 'execution',
    message: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

function readHexFile(path: string, what: string, bytes: number): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim().replace(/^0x/, '');
  } catch (err) {
    throw new ConfigError(`${what} ${path}: ${reasonOf(err)}`);
  }
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) throw new ConfigError(`${what} ${path}: must hold ${bytes} bytes as hex`);
  return fromHex(text);
}

/** The authority's BLS key from its seed file (a consensus key; never a federation key). */
export function readAuthorityKey(path: string): KeyPair {
  return blsScheme.keyFromSeed(readHexFile(path, 'authorityKeyFile', 32));
}

async function untilReady<T>(f: () => Promise<T>, timeoutMs: number, fail: (waitedMs: number, lastError: unknown) => Error): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await f();
    } catch (err) {
      const waited = Date.now() - start;
      if (waited >= timeoutMs) throw fail(waited, err);
      await new Promise((r) => setTimeout(r, Math.min(500, timeoutMs - waited)));
    }
  }
}

/**
 * Whether a TCP listen address can be bound, tried before anything else starts so that a port in use
 * is one clear line rather than a failure after the node has opened its database and waited for Geth.
 */
async function probeListen(ma: string): Promise<void> {
  const parts = multiaddr(ma).getComponents();
  const host = parts[0]?.name === 'ip4' || parts[0]?.name === 'ip6' ? parts[0].value : undefined;
  const port = parts[1]?.name === 'tcp' ? Number(parts[1].value) : 0;
  if (host === undefined || port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(new StartupError('network', `network.listen ${ma}: ${err.code === 'EADDRINUSE' ? 'address already in use' : reasonOf(err)}`)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

const isLocked = (err: unknown): boolean => {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
  return false;
};

/** Exits with `code` in a moment unless the process has already ended by itself. */
export function exitIfStuck(code: number, graceMs = 3_000): void {
  setTimeout(() => process.exit(code), graceMs).unref();
}

let activeLogger: { level: string; error: (line: string) => void } | undefined;

/** Structured JSON logs on stderr (pino); ALYS_LOG_LEVEL sets the level, and so does the features file's logLevel. */
export function nodeLogger(): (line: string) => void {
  const logger = pino({ name: 'alys', level: process.env.ALYS_LOG_LEVEL ?? 'info' }, pino.destination(2));
  activeLogger = { get level() { return logger.level; }, set level(l: string) { logger.level = l; }, error: (line: string) => logger.error(line) };
  return (line) => logger.info(line);
}

export interface StartOptions {
  /** Record every input and output at the IO boundary into this (empty) directory, for `alys replay`. */
  readonly recordDir?: string;
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
  // What has been opened so far, closed in reverse order if start-up fails: a node that cannot start
  // must not hold its ports or its data directory's lock.
  const opened: Array<() => Promise<unknown>> = [];
  try {
    return await startOpening(config, log, options, opened);
  } catch (err) {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

async function startOpening(config: NodeConfig, log: (line: string) => void, options: StartOptions, opened: Array<() => Promise<unknown>>): Promise<RunningNode> {
  // Everything that can be checked without opening anything comes first.
  let features: FeatureStore;
  try {
    features = new FeatureStore(initialFeatures(config));
  } catch (err) {
    if (err instanceof FeaturesError) throw new ConfigError(err.message);
    throw err;
  }
  const adminToken = config.rpc.adminTokenFile === undefined ? undefined : readTokenFile(config.rpc.adminTokenFile);
  if (activeLogger !== undefined) activeLogger.level = features.current().logLevel;
  const key = config.authorityKeyFile === undefined ? undefined : readAuthorityKey(config.authorityKeyFile);
  let jwtSecret: Uint8Array;
  try {
    jwtSecret = readJwtSecret(config.execution.jwtSecretFile);
  } catch (err) {
    if (err instanceof JwtSecretError) throw new ConfigError(`execution.jwtSecretFile: ${err.message}`);
    throw err;
  }
  await probeListen(config.network.listen);
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (err) {
    throw new StartupError('data-dir', `dataDir ${config.dataDir}: ${reasonOf(err)}`);
  }
  let storage: LevelStorage;
  try {
    storage = await LevelStorage.open(join(config.dataDir, 'db'));
  } catch (err) {
    if (err instanceof StorageError && isLocked(err)) throw new StartupError('data-dir', `another node is using ${config.dataDir} (its database is locked)`);
    throw new StartupError('data-dir', `dataDir ${config.dataDir}: cannot open the database: ${reasonOf(err)}`);
  }
  opened.push(() => storage.close());
  // The RPC port is taken early, so that it too fails fast; until the node runs, calls are refused.
  const serving: { current?: { call: (method: string, params: readonly unknown[], bearer: string | undefined) => Promise<unknown>; metrics: () => Promise<string>; status: () => Promise<unknown> } } = {};
  const starting = (): never => {
    throw new RpcMethodError(-1, 'the node is starting');
  };
  let rpc: Awaited<ReturnType<typeof startRpcServer>>;
  try {
    rpc = await startRpcServer({
      listen: config.rpc.listen,
      limits: { maxBatch: config.rpc.maxBatch, maxBodyBytes: config.rpc.maxBodyBytes, maxConnections: config.rpc.maxConnections },
      call: async (method, params, bearer) => (serving.current === undefined ? starting() : serving.current.call(method, params, bearer)),
      metrics: async () => (serving.current === undefined ? '' : serving.current.metrics()),
      status: async () => (serving.current === undefined ? { starting: true } : serving.current.status()),
    });
  } catch (err) {
    if (err instanceof RpcListenError) throw new StartupError('rpc', err.message);
    throw err;
  }
  opened.push(() => rpc.close());
  const scheduler = new Scheduler();
  const journal = options.recordDir === undefined ? undefined : new JournalWriter(options.recordDir, { onFull: log });
  if (journal !== undefined) opened.push(() => Promise.resolve(journal.close()));
  const driver = new RealTimeDriver(scheduler, journal);
  // Every IO the actors use crosses this boundary; with --record, each crossing is written down.
  const boundary = new LiveBoundary(driver, journal);
  const execution = new EngineApiClient({
    engineUrl: config.execution.engineUrl,
    rpcUrl: config.execution.rpcUrl,
    jwtSecret,
    // In the rollout mode the router picks each call's version; the client's own mode is then moot.
    mode: features.current().lighthouseV5.mode === 'rollout' ? 'v2-only' : (features.current().lighthouseV5.mode as NodeConfig['execution']['migration']),
    ...(config.execution.cancunTime !== undefined ? { cancunTime: config.execution.cancunTime } : {}),
  });
  const executionGenesis = await untilReady(
    () => execution.genesisPayload(),
    config.execution.startupTimeoutMs,
    (waited, last) => new StartupError('execution', `execution client ${config.execution.rpcUrl} not reachable after ${(waited / 1000).toFixed(1)} s: ${reasonOf(last)}`),
  );
  const identitySeed = config.network.identitySeed === undefined ? undefined : fromHex(config.network.identitySeed);
  const registry = new Registry();
  // The process's own gauges (resident memory, heap, external buffers, GC pauses, event-loop lag):
  // what an operator watching a long sync or a growing chain needs, and what the sync benchmark reads.
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool refuses; their per-type gauges (without _total) stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  let network: Awaited<ReturnType<typeof createLibp2pNetwork>>;
  try {
    network = await createLibp2pNetwork({
      listen: config.network.listen,
      bootstrap: config.network.bootstrap,
      ...(config.network.announce !== undefined ? { announce: config.network.announce } : {}),
      metricsRegister: gossipsubMetrics(registry),
      ...(identitySeed !== undefined ? { privateKey: identitySeed } : {}),
      ...(options.dropOutbound !== undefined ? { dropOutbound: options.dropOutbound } : {}),
      // A sync answer that never arrives leaves its asker waiting for its time-out: say so here.
      onSendFailure: (to, bytes, err, final) => {
        if (final) log(`network: dropped a ${bytes}-byte message to ${to} after two failed writes: ${reasonOf(err)}`);
      },
    });
  } catch (err) {
    const why = reasonOf(err);
    throw new StartupError('network', `network.listen ${config.network.listen}: ${why === 'EADDRINUSE' ? 'address already in use' : why}`);
  }
  opened.push(() => network.stop());
  const pool = new SignaturePool();
  opened.push(() => pool.close());

  const b = config.bitcoin;
  const g = config.governance;
  const bridgeParams = bridgeParamsOf(config);
  const federation = bridgeParams?.federation;
  const bridge =
    b !== undefined && g !== undefined && bridgeParams !== undefined
      ? {
          ...bridgeParams,
          bitcoin: boundedBitcoin(
            boundary,
            new BitcoinRpc({
              url: b.url,
              auth: b.cookieFile !== undefined ? { cookieFile: b.cookieFile } : { user: b.user as string, password: b.password as string },
              dialect: b.dialect,
              network: networkOf(b.network) as bitcoin.Network,
            }),
          ),
          governance: boundedGovernance(boundary, new GrpcGovernanceLink({ address: g.address, token: g.token, ...(g.tlsCaFile !== undefined ? { tls: { caFile: g.tlsCaFile } } : {}) })),
        }
      : undefined;
  // The actors' view of the flags: the file's accepted settings reach it as inputs (see below).
  const nodeFeatures = new FeatureStore(features.current());
  const node = assembleNode(
    {
      scheduler,
      clock: driver.clock(),
      rng: new SeededRng(network.self),
      storage: boundedStorage(boundary, storage),
      network: boundedNetwork(boundary, network),
      execution: boundedExecution(boundary, execution),
      executionGenesis,
      verifier: boundedFunction(boundary, 'verify', (sets: Parameters<SignaturePool['verify']>[0]) => pool.verify(sets)),
      ...(bridge !== undefined ? { bridge } : {}),
    },
    productionParams(config, { id: network.self, key, log, features: nodeFeatures }),
  );
  journal?.write({ k: 'head', version: JOURNAL_VERSION, node: encodeValue(recordingHeader(config, { features: nodeFeatures.current(), epochMs: driver.epochMs, peerId: network.self, executionGenesis, adminToken: adminToken !== undefined, code: codeFingerprint() })) });
  const services = nodeServices({
    node,
    boundary,
    adminToken,
    ...(bridge !== undefined && federation !== undefined ? { bridge: { bitcoin: bridge.bitcoin, federation, confirmations: bridge.confirmations } } : {}),
    statusExtras: () => ({ peerId: network.self, peers: network.peers().length, gossip: { ...network.gossipStats }, sends: { ...network.sendStats }, execution: execution.health, authority: key === undefined ? null : toHex(key.publicKey) }),
    backup: (path: string) => {
      const v = node.chainView();
      return writeBackup(storage, resolve(path), { ...(options.configPath !== undefined ? { configPath: options.configPath } : {}), ...(config.featuresFile !== undefined ? { featuresPath: config.featuresFile } : {}) }, v === undefined ? null : { height: v.headHeight, hash: v.headHash });
    },
  });
  features.subscribe((f) => {
    // The file's settings reach the actors as an input, in the scheduler's order (and a recording's).
    void services.applyFeatures(f);
    if (activeLogger !== undefined) activeLogger.level = f.logLevel;
    if (f.lighthouseV5.mode !== 'rollout') execution.setMode(f.lighthouseV5.mode);
  });
  const watcher =
    config.featuresFile === undefined
      ? undefined
      : watchFeatures(config.featuresFile, features, { info: log, error: (line) => (activeLogger !== undefined ? activeLogger.error(line) : log(line)) });
  // SIGHUP also re-reads the node config: the peer list and the RPC limits apply at once, and the
  // node names the fields that need a restart.
  const configPath = options.configPath;
  let running = config;
  const onHup = (): void => {
    if (configPath === undefined) return;
    try {
      const plan = planConfigReload(running, loadNodeConfig(configPath));
      if (plan.live.includes('network.bootstrap')) network.setBootstrap(plan.applied.network.bootstrap);
      rpc.setLimits({ maxBatch: plan.applied.rpc.maxBatch, maxBodyBytes: plan.applied.rpc.maxBodyBytes, maxConnections: plan.applied.rpc.maxConnections });
      running = plan.applied;
      const line = reloadLine(configPath, plan);
      if (line !== undefined) log(line);
    } catch (err) {
      log(`config: ${configPath} not reread: ${(err as Error).message}`);
    }
  };
  process.on('SIGHUP', onHup);
  opened.push(() => {
    process.off('SIGHUP', onHup);
    return Promise.resolve();
  });
  void services.start();
  driver.start();
  const stopDriver = async (): Promise<void> => {
    await services.stop().catch(() => undefined);
    await driver.stop();
    journal?.write({ k: 'end', n: scheduler.executed });
    journal?.close();
  };
  opened.push(stopDriver);
  registerActorMetrics(() => [node.system], registry);
  registerNetworkMetrics(registry, () => node.counters);
  registerDirectMessageMetrics(registry, () => network.sendStats);
  registerOpsMetrics(registry, nodeFeatures, () => node.rolloutView());
  registerChainMetrics(registry, () => node.chainView(), () => network.peers().length);
  registerSyncMetrics(registry, () => {
    const v = node.chainView();
    if (v === undefined) return undefined;
    return { state: v.sync.state, currentHeight: v.sync.currentHeight, targetHeight: v.sync.targetHeight, blocksPerSec: 0, peerCount: v.sync.peerCount, lastCheckpoint: undefined, canProduce: v.sync.canProduce };
  });
  if (bridge !== undefined && federation !== undefined) {
    registerPegMetrics(registry, { counters: () => services.pegCounters(), federationBalanceSats: () => services.federationBalanceSats() });
  }
  serving.current = {
    call: (method, params, bearer) => services.call(method, params, bearer),
    metrics: () => registry.metrics(),
    status: () => services.call('status', [], undefined),
  };
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
      process.off('SIGHUP', onHup);
      await rpc.close();
      await stopDriver();
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

