// One honest chain node in the simulated world: the actors of the design under the domain
// supervisors (storage, network, chain), over the node's simulated IO and its execution client.
import { type AuxPowMsg, auxPowActor } from '../../src/actors/auxpow-actor.ts';
import { type ChainMsg, chainActor, chainActorName } from '../../src/actors/chain-actor.ts';
import { engineActor } from '../../src/actors/engine-actor.ts';
import { networkActor } from '../../src/actors/network-actor.ts';
import { peerActor } from '../../src/actors/peer-actor.ts';
import { storageActor } from '../../src/actors/storage-actor.ts';
import { validationActor } from '../../src/actors/validation-actor.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { SimExecution } from '../../src/io/sim/execution.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { type SupervisorSpec, supervisor } from '../../src/kernel/supervisor.ts';
import type { PegInSource } from '../../src/actors/chain-actor.ts';
import type { BurnPool } from '../../src/io/sim/execution.ts';
import { type SimNodeContext, type SimNodeHandle, nodeSystemOptions } from '../app.ts';
import { chainSetup } from './setup.ts';

export interface ChainHandle extends SimNodeHandle<ChainView> {
  readonly el: SimExecution;
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

/** What the bridge app adds to a chain node: its actors, the peg-in source, the users' burns. */
export interface ChainNodeExtras {
  readonly supervisors: (system: () => ActorSystem, el: SimExecution) => readonly SupervisorSpec[];
  readonly pegIns: (system: () => ActorSystem) => PegInSource;
  readonly burns: BurnPool;
}

export function buildChainNode(ctx: SimNodeContext, extras?: ChainNodeExtras): ChainHandle {
  const setup = chainSetup(ctx.scenario, ctx.allNodes);
  let el = ctx.persistent.get('el') as SimExecution | undefined;
  const owner = { alive: true };
  if (el === undefined) {
    el = new SimExecution({ scheduler: ctx.scheduler, owner, latencyMs: ctx.scenario.chain.engineLatencyMs, txsPerBlock: 2, ...(extras !== undefined ? { burns: extras.burns } : {}) }, genesisPayload());
    ctx.persistent.set('el', el);
  }
  const getSystem = (): ActorSystem => system;
  let view: ChainView = notRecovered;
  const backoff = { kind: 'backoff' as const, initialMs: 50, maxMs: 2_000, multiplier: 2, jitter: 0.2 };
  const tree = supervisor({
    name: 'root',
    strategy: 'one-for-one',
    restart: { kind: 'immediate' },
    intensity: { maxRestarts: 3, windowMs: 10_000 },
    children: [
      supervisor({ name: 'storage-supervisor', strategy: 'one-for-one', restart: backoff, intensity: { maxRestarts: 20, windowMs: 10_000 }, children: [storageActor(ctx.io.storage, ctx.bugs)] }),
      supervisor({
        name: 'network-supervisor',
        strategy: 'one-for-one',
        restart: backoff,
        intensity: { maxRestarts: 20, windowMs: 10_000 },
        children: [networkActor(ctx.io.network, () => system.ref<ChainMsg>(chainActorName), ctx.sometimes), peerActor(ctx.sometimes)],
      }),
      supervisor({
        name: 'chain-supervisor',
        strategy: 'rest-for-one',
        restart: backoff,
        intensity: { maxRestarts: 20, windowMs: 10_000 },
        children: [
          ...Array.from({ length: VALIDATORS }, (_, i) =>
            validationActor(i, { spec: setup.spec, scheme: setup.scheme, clock: ctx.io.clock, modelledCostMs: ctx.scenario.chain.verifyCostMs }),
          ),
          engineActor(el),
          chainActor({
            spec: setup.spec,
            scheme: setup.scheme,
            key: setup.keys.get(ctx.id),
            clock: ctx.io.clock,
            bugs: ctx.bugs,
            feeRecipient: new Uint8Array(20).fill(1),
            sometimes: ctx.sometimes,
            publish: (v) => {
              view = v;
            },
            validators: VALIDATORS,
            productionThreshold: 0.995,
            ...(extras !== undefined ? { pegIns: extras.pegIns(getSystem) } : {}),
          }),
          auxPowActor(setup.spec, ctx.sometimes),
        ],
      }),
      ...(extras?.supervisors(getSystem, el) ?? []),
    ],
  });
  const system: ActorSystem = new ActorSystem(
    { ...nodeSystemOptions(ctx), defaultAskTimeoutMs: 30_000 },
    tree,
  ).start();
  return { system, el, view: () => view };
}

export type { AuxPowMsg };
