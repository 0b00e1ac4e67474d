// The two-way peg as a SimApp: the chain app's authorities, each also running the bridge, over one
// simulated Bitcoin and one simulated governance. World faults: governance down, refusing or
// Byzantine; a Bitcoin reorg that double-spends the newest deposits away; a federation rotation;
// an emergency pause.
import type { SimExecution } from '../../src/io/sim/execution.ts';
import type { BitcoinLink } from '../../src/io/sim/bitcoin.ts';
import { devMemberKeys } from '../../src/governance/signer.ts';
import type { SimApp } from '../app.ts';
import { chainApp } from '../chain/app.ts';
import {
  type BridgeNodeView,
  burnsPaid,
  burnsPaidOnceAndRight,
  depositsMinted,
  federationConserved,
  mintedAfterConfirmations,
  mintedAsDeposited,
  mintedOnce,
  noOutputSignedTwice,
  noPegLost,
  oldOutputsSwept,
  pegOutsFinishedOncePaid,
  rejectedOutputsUnspent,
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
  faultActions: [...(chain.faultActions ?? []), 'logs-lagging', 'bitcoin-down'],
  applyFault(node, action, active, rng) {
    if (action === 'bitcoin-down') {
      // The node's own bitcoind is unreachable; the other nodes' answer, and Bitcoin goes on.
      const link = node.persistent.get('bitcoin-link') as BitcoinLink | undefined;
      if (link !== undefined) link.down = active;
      return;
    }
    if (action !== 'logs-lagging') return chain.applyFault?.(node, action, active, rng);
    // The node's execution client indexes logs late: it sees burns after its peers have paid them.
    const el = node.persistent.get('el') as SimExecution | undefined;
    if (el !== undefined) el.logsLagging = active;
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
    'minted-as-deposited': mintedAsDeposited,
    'federation-conserved': federationConserved,
    'no-peg-operation-lost': noPegLost,
    'old-outputs-swept': oldOutputsSwept,
    'peg-outs-finished-once-paid': pegOutsFinishedOncePaid,
    'rejected-outputs-unspent': rejectedOutputsUnspent,
  },
  bugs: {
    'peg-mint-one-confirmation': 'peg-ins are minted after one Bitcoin confirmation instead of the required six',
    'peg-forget-signature-request': 'the bridge keeps a peg-out awaiting signatures only in memory (its record is deleted)',
    'peg-skip-payout-check': 'the bridge broadcasts what governance signed without checking it pays the peg-out right',
    'peg-no-lookup-after-build-failure': 'a node that cannot build a payout (outputs gone) only waits for funds, never asking governance or Bitcoin whether peers already paid it',
    'peg-minted-above-finality-only': 'deposits already minted are looked for only above the finalized block, so final ones are minted again',
    'peg-scan-current-federation-only': 'after a rotation, deposits to the previous federation address (in its grace period) are not detected',
    'peg-sweep-skips-previous': 'the sweep after a rotation starts two federations back and never moves the previous one\'s outputs',
    'peg-read-newest-finalized-only': 'the peg-out reader jumps to the newest finalized block, skipping the burns of the blocks in between',
    'peg-payout-gwei-as-sats': 'the peg-out reader converts a burn at 1 satoshi = 1 gwei: the federation pays ten times what was burned',
    'governance-forget-signed': 'governance\'s signer ignores its record of what it signed: it signs a second transaction for a paid peg-out or a spent output',
    'pegout-spend-rejected-deposits': 'the peg-in scanner tells the bridge of no rejected deposit, so payouts and consolidations spend coins that are their depositors\' to be refunded',
    'governance-void-live': 'governance voids whatever signed transaction a request conflicts with, without asking Bitcoin whether it can still confirm',
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
