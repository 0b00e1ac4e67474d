// Runs the production node: reads and validates the config, opens LevelDB, connects to Geth (its
// genesis becomes the consensus genesis's execution payload), starts libp2p, the signature worker
// pool, the optional bridge links (bitcoind/btcd and governance), assembles the actors
// (src/node/assemble.ts) on the real-time driver, and serves JSON-RPC, /metrics and /status.
import { type SyncConfig, parallelDefaults, sequentialDefaults } from '../../actors/sync-actor.ts';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { registerSyncMetrics } from '../../sync/metrics.ts';
import { fromHex, toHex } from '../../types/hex.ts';
import { BitcoinRpc } from './bitcoin-rpc.ts';
import { EngineApiClient } from './engine-client.ts';
import { GrpcGovernanceLink } from './governance-grpc.ts';
import { readJwtSecret } from './jwt.ts';
import { LevelStorage } from './level-storage.ts';
import { createLibp2pNetwork } from './libp2p-network.ts';
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

/** Structured JSON logs on stderr (pino); ALYS_LOG_LEVEL sets the level. */
export function nodeLogger(): (line: string) => void {
  const logger = pino({ name: 'alys', level: process.env.ALYS_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return (line) => logger.info(line);
}

export async function startNode(config: NodeConfig, log: (line: string) => void = nodeLogger()): Promise<RunningNode> {
  mkdirSync(config.dataDir, { recursive: true });
  const storage = await LevelStorage.open(join(config.dataDir, 'db'));
  const scheduler = new Scheduler();
  const driver = new RealTimeDriver(scheduler);
  const execution = new EngineApiClient({
    engineUrl: config.execution.engineUrl,
    rpcUrl: config.execution.rpcUrl,
    jwtSecret: readJwtSecret(config.execution.jwtSecretFile),
    mode: config.execution.migration,
    ...(config.execution.cancunTime !== undefined ? { cancunTime: config.execution.cancunTime } : {}),
  });
  const executionGenesis = await untilReady('execution client', () => execution.genesisPayload());
  const identitySeed = config.network.identitySeed === undefined ? undefined : fromHex(config.network.identitySeed);
  const network = await createLibp2pNetwork({ listen: config.network.listen, bootstrap: config.network.bootstrap, ...(identitySeed !== undefined ? { privateKey: identitySeed } : {}) });
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
    { id: network.self, spec, scheme: blsScheme, key, feeRecipient: new Uint8Array(20), productionThreshold: config.sync.productionThreshold, validators: 4, sync: syncConfigOf(config), log },
  );
  driver.post(() => node.system.start());
  driver.start();
  const registry = registerActorMetrics(() => [node.system], new Registry());
  registerSyncMetrics(registry, () => {
    const v = node.chainView();
    if (v === undefined) return undefined;
    return { state: v.sync.state, currentHeight: v.sync.currentHeight, targetHeight: v.sync.targetHeight, blocksPerSec: 0, peerCount: v.sync.peerCount, lastCheckpoint: undefined, canProduce: v.sync.canProduce };
  });
  const ctx = {
    system: node.system,
    chainView: () => node.chainView(),
    bridgeView: () => node.bridgeView(),
    // The current federation's: after a rotation governance announced, deposits go to the new address.
    get depositAddress() {
      return federation === undefined ? undefined : (node.bridgeView()?.federationAddress ?? federation.address);
    },
    status: () => ({ peerId: network.self, peers: network.peers().length, gossip: { ...network.gossipStats }, events: Object.fromEntries([...node.probes].sort(([a], [b]) => a.localeCompare(b))), execution: execution.health, authority: key === undefined ? null : toHex(key.publicKey) }),
  };
  const onDriver = <T>(f: () => Promise<T>): Promise<T> => new Promise<T>((resolve, reject) => driver.post(() => void f().then(resolve, reject)));
  const rpc = await startRpcServer({
    listen: config.rpc.listen,
    call: (method, params) => onDriver(() => callRpcMethod(ctx, method, params)),
    metrics: () => registry.metrics(),
    status: () => onDriver(() => callRpcMethod(ctx, 'status', [])),
  });
  log(`alys node: ${network.self} rpc ${rpc.url} ${key === undefined ? 'follower' : 'authority'}${bridge === undefined ? '' : `, bridge to ${federation?.address}`}`);
  return {
    config,
    rpcUrl: rpc.url,
    peerId: network.self,
    multiaddrs: network.libp2p.getMultiaddrs().map((m) => m.toString()),
    node,
    stop: async () => {
      await rpc.close();
      await new Promise<void>((resolve) => driver.post(() => void node.system.shutdown().then(resolve, resolve)));
      await driver.stop();
      await network.stop();
      await pool.close();
      await storage.close();
    },
  };
}

/** The config's sync section over the strategy's defaults. */
function syncConfigOf(config: NodeConfig): SyncConfig {
  const base = config.sync.strategy === 'sequential' ? sequentialDefaults : parallelDefaults;
  return { ...base, productionThreshold: config.sync.productionThreshold, ...(config.sync.batchSize !== undefined ? { batchSize: config.sync.batchSize } : {}) };
}
