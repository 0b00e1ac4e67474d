// The two-way peg as a SimApp: the chain app's authorities, each also running the bridge, over one
// simulated Bitcoin and one simulated governance. World faults: governance down, refusing or
// Byzantine; a Bitcoin reorg that double-spends the newest deposits away; a federation rotation;
// an emergency pause.
import type { SimExecution } from '../../src/io/sim/execution.ts';
import { devMemberKeys } from '../../src/governance/signer.ts';
import type { SimApp } from '../app.ts';
import { chainApp } from '../chain/app.ts';
import {
  type BridgeNodeView,
  burnsPaid,
  burnsPaidOnceAndRight,
  depositsMinted,
  federationBalance,
  mintedAfterConfirmations,
  mintedOnce,
  noOutputSignedTwice,
  noPegLost,
  oldOutputsSwept,
} from './invariants.ts';
import { buildBridgeNode } from './node.ts';
import { bridgeShared, createBridgeShared } from './shared.ts';
import { bridgeWorkload } from './workload.ts';

const chain = chainApp as unknown as SimApp<BridgeNodeView>;

export const bridgeApp: SimApp<BridgeNodeView> = {
  ...chain,
  name: 'bridge',
  buildNode: buildBridgeNode,
  createShared: createBridgeShared,
  workload(world, rng) {
    chain.workload?.(world, rng);
    bridgeWorkload(world, rng.fork(`bridge:${world.now}`), (id) => {
      const n = world.liveNodes().find((x) => x.id === id);
      return (n?.handle as { el?: SimExecution } | undefined)?.el;
    });
  },
  applyWorldFault(shared, action, active) {
    const sh = bridgeShared(shared);
    if (sh === undefined) return;
    switch (action) {
      case 'governance-down':
        sh.governance.setMode(active ? 'down' : 'ok');
        return;
      case 'governance-refuse':
        sh.governance.setMode(active ? 'refuse' : 'ok');
        return;
      case 'governance-byzantine':
        sh.governance.setMode(active ? 'byzantine' : 'ok');
        return;
      case 'governance-slow':
        sh.governance.latencyMs = active ? 3_000 : 20;
        return;
      case 'bitcoin-reorg': {
        if (!active) return;
        // The winning branch double-spends the deposits of the last three blocks.
        const depth = 3;
        const dropped = new Set(sh.bitcoin.blocks.slice(-depth).flatMap((b) => b.txs.map((t) => t.getId())));
        const deposits = new Set(sh.ledger.deposits.map((d) => d.txid));
        sh.bitcoin.reorg(depth, (tx) => {
          const id = tx.getId();
          const evict = deposits.has(id) && (dropped.has(id) || sh.bitcoin.confirmations(id) === 0);
          if (evict) sh.ledger.evicted.add(id);
          return evict;
        });
        return;
      }
      case 'federation-rotate': {
        if (!active) return;
        const s = sh.governance.signer;
        const version = s.current.version + 1;
        const grace = sh.bitcoin.height + 15;
        sh.graceUntil.set(s.current.version, grace);
        const update = s.rotate(devMemberKeys(`sim-federation-v${version}`, s.current.publicKeys.length), s.current.threshold, grace);
        sh.governance.broadcast({ kind: 'federation', update });
        return;
      }
      case 'emergency-pause':
        sh.governance.signer.setPaused(active);
        sh.governance.broadcast({ kind: 'proposal', proposalId: `pause-${active}`, action: active ? 'emergency-pause' : 'resume', description: 'simulated emergency pause' });
        return;
      default:
        throw new Error(`bridge app has no world fault '${action}'`);
    }
  },
  invariants: {
    ...chain.invariants,
    'minted-after-confirmations': mintedAfterConfirmations,
    'minted-once': mintedOnce,
    'deposits-minted': depositsMinted,
    'burns-paid-once-and-right': burnsPaidOnceAndRight,
    'burns-paid': burnsPaid,
    'no-output-signed-twice': noOutputSignedTwice,
    'federation-balance': federationBalance,
    'no-peg-operation-lost': noPegLost,
    'old-outputs-swept': oldOutputsSwept,
  },
  bugs: {
    'peg-mint-one-confirmation': 'peg-ins are minted after one Bitcoin confirmation instead of the required six',
    'peg-forget-signature-request': 'the bridge keeps a peg-out awaiting signatures only in memory (its record is deleted)',
    'peg-skip-payout-check': 'the bridge broadcasts what governance signed without checking it pays the peg-out right',
    'pegin-no-rescan-for-late-federation': 'the peg-in scanner watches a federation it learns late (after a restart) only in blocks still to come, so it refuses blocks minting deposits to it',
  },
  probes: [
    ...chain.probes,
    'chain.peg-ins-minted',
    'pegin.deposit-found',
    'bridge.peg-out-created',
    'bridge.signature-requested',
    'bridge.broadcast',
    'bridge.peg-out-completed',
    'stream.connected',
  ],
};
