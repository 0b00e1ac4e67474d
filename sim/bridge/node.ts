// A chain node that also runs the bridge: the StreamActor on the node's governance link, the
// PegInActor on its Bitcoin RPC connection, the PegOutActor reading finalized burns, and the
// BridgeActor, under a bridge supervisor. The node is given the federation's public keys only,
// as a production config would; the keys themselves stay with governance.
import { type BridgeMsg, type BridgeView, bridgeActor, bridgeActorName } from '../../src/actors/bridge-actor.ts';
import { type ChainMsg, chainActorName } from '../../src/actors/chain-actor.ts';
import { type PegInMsg, pegInActor, pegInActorName } from '../../src/actors/peg-in-actor.ts';
import { pegOutActor } from '../../src/actors/peg-out-actor.ts';
import { streamActor, streamDefaults } from '../../src/actors/stream-actor.ts';
import { federationFromHex } from '../../src/bridge/federation.ts';
import { supervisor } from '../../src/kernel/supervisor.ts';
import type { SimNodeContext } from '../app.ts';
import { buildChainNode } from '../chain/node.ts';
import type { BridgeNodeView } from './invariants.ts';
import { bridgeShared } from './shared.ts';

export function buildBridgeNode(ctx: SimNodeContext) {
  const sh = bridgeShared(ctx.shared);
  if (sh === undefined) throw new Error('bridge node without a bridge world');
  const b = ctx.scenario.bridge;
  // Public configuration: the first federation's keys and threshold.
  const first = sh.governance.signer.federations[sh.governance.signer.federations.length - 1];
  if (first === undefined) throw new Error('governance has no federation');
  const federation = federationFromHex(first.publicKeys.map((k) => Buffer.from(k).toString('hex')), first.threshold, 'regtest', first.version);
  const btc = sh.bitcoin.client(ctx.owner, b.bitcoinRpcLatencyMs);
  let bridgeView: BridgeView | undefined;
  const confirmations = ctx.bugs.has('peg-mint-one-confirmation') ? 1 : b.confirmations;
  const chain = buildChainNode(ctx, {
    burns: sh.burnPool,
    pegIns: (system) => ({
      confirmed: () => system().ref<PegInMsg>(pegInActorName).ask({ type: 'confirmed' }, 20_000),
      verify: (deposits) => system().ref<PegInMsg>(pegInActorName).ask({ type: 'verify', deposits }, 20_000),
    }),
    supervisors: (system, el) => [
      supervisor({
        name: 'bridge-supervisor',
        strategy: 'one-for-one',
        restart: { kind: 'backoff', initialMs: 100, maxMs: 5_000, multiplier: 2, jitter: 0.2 },
        intensity: { maxRestarts: 20, windowMs: 10_000 },
        children: [
          streamActor({
            link: sh.governance.link(ctx.id, ctx.owner),
            config: streamDefaults,
            deliver: (message) => system().ref<BridgeMsg>(bridgeActorName).tell({ type: 'governance', message }),
            sometimes: ctx.sometimes,
          }),
          pegInActor({ bitcoin: btc, federation, startHeight: 1, confirmations, pollEveryMs: 1_000, sometimes: ctx.sometimes }),
          bridgeActor({
            bitcoin: btc,
            storage: ctx.io.storage,
            network: 'regtest',
            federation,
            payoutConfirmations: b.payoutConfirmations,
            reaskAfterMs: 20_000,
            tickEveryMs: 1_000,
            bugs: ctx.bugs,
            sometimes: ctx.sometimes,
            publish: (v) => {
              bridgeView = v;
            },
            onFederation: (f, until) => system().ref<PegInMsg>(pegInActorName).tell({ type: 'federation', federation: f, previousValidUntilHeight: until }),
          }),
          pegOutActor({
            execution: el,
            storage: ctx.io.storage,
            network: 'regtest',
            minSats: BigInt(b.minPegOutSats),
            pollEveryMs: 1_000,
            finalizedAfter: (height) => system().ref<ChainMsg>(chainActorName).ask({ type: 'finalized-after', height, max: 64 }, 20_000),
            sometimes: ctx.sometimes,
          }),
        ],
      }),
    ],
  });
  return { system: chain.system, el: chain.el, view: (): BridgeNodeView => ({ ...chain.view(), bridge: bridgeView }) };
}
