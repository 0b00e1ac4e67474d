// `alys replay`'s composition root: the node as src/io/prod/node-runtime.ts assembles it, from the
// recording's header, with every IO crossing the replay's boundary instead of the world. The IO
// objects behind the boundary are never reached: a replay only delivers what was recorded.
import type { KeyPair } from '../../crypto/signature-scheme.ts';
import { SeededRng } from '../../kernel/rng.ts';
import { Scheduler } from '../../kernel/scheduler.ts';
import { assembleNode } from '../../node/assemble.ts';
import { FeatureStore } from '../../node/feature-store.ts';
import { ADMIN_TOKEN_STAND_IN, nodeServices } from '../../node/node-services.ts';
import { bridgeParamsOf, productionParams } from '../../node/node-params.ts';
import type { RecordingHeader } from '../../node/recording-header.ts';
import type { BitcoinClient } from '../bitcoin.ts';
import { type AsyncNetworkIO, boundedBitcoin, boundedExecution, boundedFunction, boundedGovernance, boundedNetwork, boundedStorage } from '../boundary.ts';
import type { ExecutionClient } from '../execution.ts';
import type { GovernanceLink } from '../governance.ts';
import type { JournalEntry } from '../record/journal.ts';
import type { StorageIO } from '../storage.ts';
import { type ReplayOutcome, Replayer } from './replayer.ts';

const unreachable = (): never => {
  throw new Error('replay: the world is not reachable in a replay');
};

export async function replayRecording(entries: readonly JournalEntry[], header: RecordingHeader, key: KeyPair | undefined): Promise<ReplayOutcome> {
  const scheduler = new Scheduler();
  const replayer = new Replayer(entries, scheduler, header.epochMs);
  const b = replayer.boundary;
  const config = header.config;
  const net: AsyncNetworkIO = {
    self: header.peerId,
    send: unreachable,
    onReceive: () => undefined,
    peers: unreachable,
    ban: unreachable,
    reportScore: unreachable,
    gossip: unreachable,
    onGossip: () => undefined,
  };
  const world = {} as StorageIO & ExecutionClient & BitcoinClient & GovernanceLink;
  const bridgeParams = bridgeParamsOf(config);
  const bitcoin = boundedBitcoin(b, world);
  const node = assembleNode(
    {
      scheduler,
      clock: replayer.clock(),
      rng: new SeededRng(header.peerId),
      storage: boundedStorage(b, world),
      network: boundedNetwork(b, net),
      execution: boundedExecution(b, world),
      executionGenesis: header.executionGenesis,
      verifier: boundedFunction(b, 'verify', unreachable),
      ...(bridgeParams !== undefined ? { bridge: { ...bridgeParams, bitcoin, governance: boundedGovernance(b, world) } } : {}),
    },
    productionParams(config, { id: header.peerId, key, log: () => undefined, features: new FeatureStore(header.features) }),
  );
  nodeServices({
    node,
    boundary: b,
    adminToken: header.adminToken ? ADMIN_TOKEN_STAND_IN : undefined,
    ...(bridgeParams !== undefined ? { bridge: { bitcoin, federation: bridgeParams.federation, confirmations: bridgeParams.confirmations } } : {}),
    statusExtras: unreachable,
    backup: unreachable,
  });
  return replayer.run();
}
