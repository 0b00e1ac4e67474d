// One honest chain node in the simulated world: the production node's actor tree
// (src/node/assemble.ts) over the node's simulated IO and its execution client, with the
// simulation's tuning (tighter supervision windows, faster polling, modelled signature cost, bugs).
import { parallelDefaults } from '../../src/actors/sync-actor.ts';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { type BurnPool, SimExecution } from '../../src/io/sim/execution.ts';
import { type NodeIOs, type NodeTuning, assembleNode } from '../../src/node/assemble.ts';
import { type SimNodeContext, type SimNodeHandle } from '../app.ts';
import { chainSetup } from './setup.ts';

export interface ChainHandle extends SimNodeHandle<ChainView> {
  readonly el: SimExecution;
  readonly bridgeView: () => BridgeView | undefined;
}

export const notRecovered: ChainView = {
  recovered: false,
  authorityIndex: undefined,
  headHeight: 0,
  headHash: '',
  finalized: [],
  committed: new Set(),
  accepted: [],
  producedBlocks: 0,
  productions: [],
  penalties: 0,
  sync: { state: 'discovering', currentHeight: 0, targetHeight: 0, canProduce: false, peerCount: 0 },
  mintedIn: new Map(),
  finalizedPayloadHash: '',
};

/** Validation actors per node: signature checks of different blocks proceed in parallel. */
const VALIDATORS = 2;

export function simTuning(ctx: SimNodeContext): NodeTuning {
  return {
    rootIntensity: { maxRestarts: 3, windowMs: 10_000 },
    intensity: { maxRestarts: 20, windowMs: 10_000 },
    backoff: { initialMs: 50, maxMs: 2_000 },
    bridgeBackoff: { initialMs: 100, maxMs: 5_000 },
    engineBuildWaitMs: 0,
    validationCostMs: ctx.scenario.chain.verifyCostMs,
    bridgePollMs: 1_000,
    bridgeReaskMs: 20_000,
    bugs: ctx.bugs,
  };
}

/** A chain node; with `bridge`, also its Stream, PegIn, PegOut and Bridge actors and the users' burns. */
export function buildChainNode(ctx: SimNodeContext, bridge?: NonNullable<NodeIOs['bridge']> & { readonly burns: BurnPool }): ChainHandle {
  const setup = chainSetup(ctx.scenario, ctx.allNodes);
  let el = ctx.persistent.get('el') as SimExecution | undefined;
  if (el === undefined) {
    const owner = { alive: true };
    el = new SimExecution({ scheduler: ctx.scheduler, owner, latencyMs: ctx.scenario.chain.engineLatencyMs, txsPerBlock: 2, ...(bridge !== undefined ? { burns: bridge.burns } : {}) }, genesisPayload());
    ctx.persistent.set('el', el);
  }
  const node = assembleNode(
    {
      scheduler: ctx.scheduler,
      clock: ctx.io.clock,
      rng: ctx.rng,
      storage: ctx.io.storage,
      network: ctx.io.network,
      execution: el,
      executionGenesis: genesisPayload(),
      ...(ctx.storageAudit !== undefined ? { storageAudit: ctx.storageAudit } : {}),
      system: { trace: ctx.trace, ...(ctx.probe !== undefined ? { probe: ctx.probe } : {}), bugs: ctx.bugs },
      ...(bridge !== undefined ? { bridge } : {}),
    },
    {
      id: ctx.id,
      spec: setup.spec,
      scheme: setup.scheme,
      key: setup.keys.get(ctx.id),
      feeRecipient: new Uint8Array(20).fill(1),
      productionThreshold: 0.995,
      validators: VALIDATORS,
      sync: parallelDefaults,
      log: () => undefined,
      sometimes: ctx.sometimes,
    },
    simTuning(ctx),
  );
  node.system.start();
  return { system: node.system, el, view: () => node.chainView() ?? notRecovered, bridgeView: () => node.bridgeView() };
}
