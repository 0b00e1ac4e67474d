// What a production node is assembled with, derived from its config alone: one function for the
// running node (src/io/prod/node-runtime.ts) and for `alys replay`, so a replay runs the node the
// recording came from and not a lookalike.
import { type SyncConfig, parallelDefaults, sequentialDefaults } from '../actors/sync-actor.ts';
import { federationFromHex } from '../bridge/federation.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { blsScheme } from '../crypto/bls.ts';
import type { KeyPair } from '../crypto/signature-scheme.ts';
import { fromHex } from '../types/hex.ts';
import type { NodeParams } from './assemble.ts';
import type { NodeConfig } from './config.ts';
import type { FeatureStore } from './feature-store.ts';

export function chainSpecOf(config: Pick<NodeConfig, 'chain'>): ChainSpec {
  const c = config.chain;
  return {
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
}

/** The config's sync section over the strategy's defaults. */
export function syncConfigOf(config: NodeConfig): SyncConfig {
  const base = config.sync.strategy === 'sequential' ? sequentialDefaults : parallelDefaults;
  return { ...base, productionThreshold: config.sync.productionThreshold, ...(config.sync.batchSize !== undefined ? { batchSize: config.sync.batchSize } : {}) };
}

export function productionParams(config: NodeConfig, o: { readonly id: string; readonly key: KeyPair | undefined; readonly log: (line: string) => void; readonly features: FeatureStore }): NodeParams {
  return {
    id: o.id,
    spec: chainSpecOf(config),
    scheme: blsScheme,
    key: o.key,
    feeRecipient: new Uint8Array(20),
    productionThreshold: config.sync.productionThreshold,
    validators: 4,
    sync: syncConfigOf(config),
    log: o.log,
    features: o.features,
  };
}

/** The bridge's settings from the config; undefined when the node runs no bridge. */
export function bridgeParamsOf(config: NodeConfig) {
  const b = config.bitcoin;
  const g = config.governance;
  if (b === undefined || g === undefined) return undefined;
  return {
    federation: federationFromHex(g.federation.publicKeys, g.federation.threshold, b.network),
    network: b.network,
    confirmations: b.confirmations,
    startHeight: b.startHeight,
    minPegOutSats: BigInt(g.minPegOutSats),
  };
}
