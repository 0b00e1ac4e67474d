// A chain node that also runs the bridge: the StreamActor on the node's governance link, the
// PegInActor on its Bitcoin RPC connection, the PegOutActor reading finalized burns, and the
// BridgeActor. The node is given the federation's public keys only, as a production config would;
// the keys themselves stay with governance.
import { federationFromHex } from '../../src/bridge/federation.ts';
import type { BitcoinLink } from '../../src/io/sim/bitcoin.ts';
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
  // The node's bitcoind is a process of its own: an outage outlasts the node's restarts.
  let link = ctx.persistent.get('bitcoin-link') as BitcoinLink | undefined;
  if (link === undefined) {
    link = { down: false };
    ctx.persistent.set('bitcoin-link', link);
  }
  const chain = buildChainNode(ctx, {
    bitcoin: sh.bitcoin.client(ctx.owner, b.bitcoinRpcLatencyMs, link),
    governance: sh.governance.link(ctx.id, ctx.owner),
    federation,
    network: 'regtest',
    confirmations: ctx.bugs.has('peg-mint-one-confirmation') ? 1 : b.confirmations,
    payoutConfirmations: b.payoutConfirmations,
    startHeight: 1,
    minPegOutSats: BigInt(b.minPegOutSats),
    burns: sh.burnPool,
  });
  // Made anew only when the chain's or the bridge's view changed: checks run every few virtual
  // milliseconds, and checkers skip work on a view they have already judged.
  let last: { chain: ReturnType<typeof chain.view>; bridge: ReturnType<typeof chain.bridgeView>; view: BridgeNodeView } | undefined;
  const view = (): BridgeNodeView => {
    const c = chain.view();
    const br = chain.bridgeView();
    if (last === undefined || last.chain !== c || last.bridge !== br) last = { chain: c, bridge: br, view: { ...c, bridge: br, execution: chain.el } };
    return last.view;
  };
  return { system: chain.system, el: chain.el, view };
}
