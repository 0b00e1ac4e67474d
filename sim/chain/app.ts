// The chain as a SimApp: honest authorities run the node's actors; Byzantine ones misbehave with
// real keys; a simulated miner finalizes bundles through AuxPow.
import type { AuxPowMsg } from '../../src/actors/auxpow-actor.ts';
import { auxPowActorName } from '../../src/actors/auxpow-actor.ts';
import { encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import type { SimExecution } from '../../src/io/sim/execution.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import type { SimApp } from '../app.ts';
import { chainByzantine } from './byzantine.ts';
import {
  acceptedBySlotProposer,
  chainLiveness,
  committedSurvivesRestart,
  finalizedAgreement,
  finalizedNeverReverted,
  noHonestPeerBanned,
  payloadExtendsParent,
  slotTimerFires,
  productionOnlyWhenSynced,
  syncStatusConsistent,
  uniqueAcceptedPerSlot,
} from './invariants.ts';
import { buildChainNode } from './node.ts';
import { rolloutRollsBack } from './rollout-invariant.ts';

export const chainApp: SimApp<ChainView> = {
  name: 'chain',
  workloadEveryMs: 1_000,
  buildNode: buildChainNode,
  buildByzantine: chainByzantine,
  workload(world, rng) {
    // The simulated miner: every minerEveryMs it asks a random live node for work, tries
    // minerHashesPerRound nonces with real double SHA-256, and submits a proof if one met the target.
    // Its hashrate is fixed, as a real miner's is: a miner that ground on until it won (it did, up to
    // 100,000 nonces) let the difficulty climb every retarget (a spacing of 3 then 5 slots multiplies
    // the target by 0.94), doubling about every 6 simulated minutes until each round hashed tens of
    // thousands of nonces and two hours of `happy` ran at 180x instead of 1,000x.
    const live = world.liveNodes();
    const { minerEveryMs: every, minerHashesPerRound } = world.scenario.chain;
    if (live.length === 0 || every === 0 || world.now % every >= 1_000) return;
    const node = rng.pick(live);
    const auxpow = node.handle.system.ref<AuxPowMsg>(auxPowActorName);
    const start = rng.int(2 ** 31);
    void auxpow
      .ask({ type: 'createauxblock', feeRecipient: new Uint8Array(20).fill(7) }, 10_000)
      .then((work) => {
        if (work === undefined) return undefined;
        const mined = mineAuxPow(fromHex(work.hash), work.chainid, Number.parseInt(work.bits, 16), start, minerHashesPerRound);
        if (mined === undefined) return undefined;
        return auxpow.ask({ type: 'submitauxblock', hash: work.hash, auxPowHex: toHex(encodeAuxPow(mined.auxPow)) }, 10_000);
      })
      .catch(() => undefined);
  },
  faultActions: ['engine-syncing', 'engine-invalid', 'engine-down', 'engine-v3-fail'],
  applyFault(node, action, active, rng) {
    const el = node.persistent.get('el') as SimExecution | undefined;
    if (el === undefined) return;
    if (action === 'engine-down') {
      // Down is killed: it comes back without its newest blocks, as a SIGKILLed Geth does.
      if (active) el.crash(rng.int(257), rng.int(9));
      el.down = active;
    }
    else if (action === 'engine-v3-fail') el.v3Failing = active;
    else el.mode = active ? (action === 'engine-syncing' ? 'syncing' : 'invalid') : 'ok';
  },
  invariants: {
    'finalized-agreement': finalizedAgreement,
    'finalized-never-reverted': finalizedNeverReverted,
    'accepted-by-slot-proposer': acceptedBySlotProposer,
    'committed-survives-restart': committedSurvivesRestart,
    'unique-accepted-per-slot': uniqueAcceptedPerSlot,
    'production-above-threshold': productionOnlyWhenSynced,
    'sync-status-consistent': syncStatusConsistent,
    'no-honest-peer-banned': noHonestPeerBanned,
    'payload-extends-parent': payloadExtendsParent,
    'slot-timer-fires': slotTimerFires,
    liveness: chainLiveness,
    'rollout-rolls-back': rolloutRollsBack,
  },
  bugs: {
    'chain-trusts-impossible-height': 'a peer\'s status claiming a head above the current slot is believed, and a node that falls behind syncs toward it for ever',
    'chain-no-execution-repair': 'an execution client that comes back without its newest blocks is waited out (it answers SYNCING for ever) instead of being handed them again from disk',
    'chain-skip-proposer-check': 'the import path skips the check that the proposer is the slot\'s (as the Rust Alys did)',
    'chain-gossip-skip-signatures': 'the gossip rules accept blocks and approvals without verifying their signatures (the pipeline and the chain take them as verified)',
    'chain-unsynced-commit': 'the storage actor reports a block committed before it is synced to disk',
    'chain-produce-while-syncing': 'the chain produces blocks while sync is still far behind the best chain',
    'gossip-relay-before-validate': 'the network actor accepts gossip at once and judges it only on delivery, so garbage is relayed and its peers blame the honest relay',
    'chain-forget-finalized-on-restart': 'recovery from disk ignores the stored finalized block: a restarted node comes back unfinalized',
    'chain-finalized-off-by-one': 'finalization writes each newly finalized block one height too low, over the block recorded there',
    'chain-approve-twice': 'an honest authority approves every valid block of a slot, an equivocating proposer\'s second one too',
    'chain-status-reports-finalized': 'the sync status reports the finalized height as the current height',
    'chain-never-request-missing': 'a block whose parent is unknown waits; the missing blocks are never requested',
    'chain-request-missing-every-time': 'every orphan asks peers for the missing blocks at once, however recently the same request went out',
    'rollout-ignore-gates': 'the staged V3 rollout never judges its health gates, so it stays on a failing V3',
    'storage-skip-checksum': 'the storage layer hands records up without checking their checksums',
    'chain-skip-payload-linkage': 'block import skips the rule that a payload extends the parent block\'s payload (parent hash, number, slot time)',
  },
  // Messages change with every slot; the most an honest node repeats is its status on a stalled
  // chain and a sync request it re-sends after a timeout (up to 10 in 10 s).
  maxRepeatedSends: 25,
  probes: [
    'chain.block-produced',
    'chain.block-accepted',
    'chain.finalized',
    'chain.parent-requested',
    'chain.range-requested',
    'chain.range-served',
    'chain.recovered-from-disk',
    'chain.finalized-record-unusable',
    'storage.corrupt-record',
    'storage.corrupt-detected',
    'storage.record-repaired',
    'chain.malformed-rejected',
    'chain.equivocation-detected',
    'auxpow.submission-accepted',
    'auxpow.retargeted',
    'rollout.advanced',
    'rollout.rolled-back',
  ],
};

