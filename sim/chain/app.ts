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
import { acceptedBySlotProposer, chainLiveness, committedSurvivesRestart, finalizedAgreement, finalizedNeverReverted, productionOnlyWhenSynced, syncStatusConsistent, uniqueAcceptedPerSlot } from './invariants.ts';
import { buildChainNode } from './node.ts';
import { rolloutRollsBack } from './rollout-invariant.ts';

export const chainApp: SimApp<ChainView> = {
  name: 'chain',
  workloadEveryMs: 1_000,
  buildNode: buildChainNode,
  buildByzantine: chainByzantine,
  workload(world, rng) {
    // The simulated miner: every minerEveryMs it asks a random live node for work, mines it with
    // real double SHA-256 at regtest difficulty, and submits the proof.
    const live = world.liveNodes();
    const every = world.scenario.chain.minerEveryMs;
    if (live.length === 0 || every === 0 || world.now % every >= 1_000) return;
    const node = rng.pick(live);
    const auxpow = node.handle.system.ref<AuxPowMsg>(auxPowActorName);
    const start = rng.int(2 ** 31);
    void auxpow
      .ask({ type: 'createauxblock', feeRecipient: new Uint8Array(20).fill(7) }, 10_000)
      .then((work) => {
        if (work === undefined) return undefined;
        const mined = mineAuxPow(fromHex(work.hash), work.chainid, Number.parseInt(work.bits, 16), start, 100_000);
        if (mined === undefined) return undefined;
        return auxpow.ask({ type: 'submitauxblock', hash: work.hash, auxPowHex: toHex(encodeAuxPow(mined.auxPow)) }, 10_000);
      })
      .catch(() => undefined);
  },
  faultActions: ['engine-syncing', 'engine-invalid', 'engine-down', 'engine-v3-fail'],
  applyFault(node, action, active) {
    const el = node.persistent.get('el') as SimExecution | undefined;
    if (el === undefined) return;
    if (action === 'engine-down') el.down = active;
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
    liveness: chainLiveness,
    'rollout-rolls-back': rolloutRollsBack,
  },
  bugs: {
    'chain-skip-proposer-check': 'the import path skips the check that the proposer is the slot\'s (as the Rust Alys did)',
    'chain-unsynced-commit': 'the storage actor reports a block committed before it is synced to disk',
    'chain-produce-while-syncing': 'the chain produces blocks while sync is still far behind the best chain',
    'rollout-ignore-gates': 'the staged V3 rollout never judges its health gates, so it stays on a failing V3',
  },
  probes: [
    'chain.block-produced',
    'chain.block-accepted',
    'chain.finalized',
    'chain.parent-requested',
    'chain.range-requested',
    'chain.range-served',
    'chain.recovered-from-disk',
    'chain.malformed-rejected',
    'chain.equivocation-detected',
    'auxpow.submission-accepted',
    'auxpow.retargeted',
    'rollout.advanced',
    'rollout.rolled-back',
  ],
};

