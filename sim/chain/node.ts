// One honest chain node in the simulated world: the production node's actor tree
// (src/node/assemble.ts) over the node's simulated IO and its execution client, with the
// simulation's tuning (tighter supervision windows, faster polling, modelled signature cost, bugs).
import { parallelDefaults } from '../../src/actors/sync-actor.ts';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { type BurnPool, SimExecution } from '../../src/io/sim/execution.ts';
import type { RolloutView } from '../../src/actors/rollout-actor.ts';
import { type NodeIOs, type NodeTuning, assembleNode } from '../../src/node/assemble.ts';
import { FeatureStore } from '../../src/node/feature-store.ts';
import { type SimNodeContext, type SimNodeHandle } from '../app.ts';
import { chainSetup } from './setup.ts';

/** A chain node's view for the checkers: the chain's, and the staged V3 rollout's when one runs. */
export type ChainNodeView = ChainView & { readonly rollout?: RolloutView };

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
      ...(ctx.scenario.chain.features !== undefined ? { features: new FeatureStore(ctx.scenario.chain.features) } : {}),
    },
    simTuning(ctx),
  );
  node.system.start();
  const withRollout = rolloutViewer(() => node.chainView() ?? notRecovered, () => node.rolloutView());
  return { system: node.system, el, view: ctx.scenario.chain.features === undefined ? () => node.chainView() ?? notRecovered : withRollout, bridgeView: () => node.bridgeView() };
}

/** The chain view with the rollout's beside it, made anew only when either changes (checks run often). */
function rolloutViewer(chain: () => ChainView, rollout: () => RolloutView | undefined): () => ChainNodeView {
  let lastChain: ChainView | undefined;
  let lastRollout: RolloutView | undefined;
  let out: ChainNodeView = notRecovered;
  return () => {
    const c = chain();
    const r = rollout();
    if (c !== lastChain || r !== lastRollout) {
      lastChain = c;
      lastRollout = r;
      out = r === undefined ? c : { ...c, rollout: r };
    }
    return out;
  };
}
