// Every planted bug the simulator knows, with the layer it lives in, the scenario that exposes it
// and the invariants that must catch it. `alys sim --list-bugs` prints this; a test runs each one
// until every invariant it names has failed (within 20 seeds), which is what shows the checkers are
// not vacuous, and another asserts that every invariant is in some bug's `catches`.
import { simIoBugs } from '../src/io/sim/bugs.ts';
import { kernelBugs } from '../src/kernel/bugs.ts';
import { apps } from './apps.ts';
import { loadScenario } from './scenarios/index.ts';

export interface PlantedBug {
  readonly name: string;
  readonly layer: string;
  readonly description: string;
  /** The scenario whose faults make the bug show. */
  readonly scenario: string;
  /** The app that scenario runs. */
  readonly app: string;
  /** The invariants that must fail (each within 20 seeds of the scenario). */
  readonly catches: readonly string[];
}

type Exposure = { readonly scenario: string; readonly catches: readonly string[] };

// One line per bug: the scenario that exposes it and the invariants that catch it.
const exposure: Readonly<Record<string, Exposure>> = {
  'deliver-twice': { scenario: 'toy-happy', catches: ['kernel-exactly-once'] },
  'lose-on-restart': { scenario: 'toy-chaos', catches: ['kernel-conservation'] },
  'reorder-sender': { scenario: 'toy-contested', catches: ['kernel-fifo'] },
  'leaky-partition': { scenario: 'toy-partition-heal', catches: ['network-partition-respected'] },
  'sync-lies': { scenario: 'toy-crash-restart', catches: ['storage-durability'] },
  'toy-vote-twice': { scenario: 'toy-contested', catches: ['election-safety'] },
  'toy-ambient-random': { scenario: 'toy-happy', catches: ['determinism'] },
  'chain-skip-proposer-check': { scenario: 'byzantine-invalid-blocks', catches: ['accepted-by-slot-proposer'] },
  'chain-gossip-skip-signatures': { scenario: 'byzantine-forged-signature', catches: ['accepted-by-slot-proposer'] },
  'chain-unsynced-commit': { scenario: 'crash-during-import', catches: ['committed-survives-restart'] },
  'sync-trust-unlinked': { scenario: 'sync-byzantine-peer', catches: ['no-double-execution'] },
  'sync-skip-batch-signatures': { scenario: 'sync-byzantine-peer', catches: ['synced-chain-equals-source'] },
  'sync-checkpoint-before-persist': { scenario: 'sync-crash-and-resume', catches: ['progress-never-back'] },
  'chain-produce-while-syncing': { scenario: 'chain-late-joiner', catches: ['production-above-threshold'] },
  'toy-commit-early': { scenario: 'toy-partition-heal', catches: ['state-machine-safety'] },
  'peg-mint-one-confirmation': { scenario: 'peg-cycle', catches: ['minted-after-confirmations'] },
  'peg-forget-signature-request': { scenario: 'node-crash-mid-pegout', catches: ['no-peg-operation-lost'] },
  'peg-skip-payout-check': { scenario: 'byzantine-governance', catches: ['burns-paid-once-and-right'] },
  'toy-unsynced-log': { scenario: 'toy-power-loss', catches: ['committed-durable'] },
  'toy-no-log-repair': { scenario: 'toy-crash-restart', catches: ['liveness'] },
  'toy-throw-on-garbage': { scenario: 'toy-byzantine', catches: ['crash'] },
  'chain-forget-finalized-on-restart': { scenario: 'proposer-crash', catches: ['finalized-never-reverted'] },
  'chain-approve-twice': { scenario: 'byzantine-equivocation', catches: ['unique-accepted-per-slot'] },
  'chain-finalized-off-by-one': { scenario: 'happy', catches: ['finalized-never-reverted', 'finalized-agreement'] },
  'chain-status-reports-finalized': { scenario: 'happy', catches: ['sync-status-consistent'] },
  'chain-never-request-missing': { scenario: 'partition-heal', catches: ['liveness'] },
  'sync-status-from-start': { scenario: 'sync-from-genesis', catches: ['progress-never-back'] },
  'sync-target-ignores-peers': { scenario: 'sync-while-producing', catches: ['production-above-threshold', 'liveness'] },
  'sync-reexecute-tip': { scenario: 'sync-from-genesis', catches: ['no-double-execution'] },
  'peg-minted-above-finality-only': { scenario: 'peg-cycle', catches: ['minted-once', 'minted-as-deposited'] },
  'peg-scan-current-federation-only': { scenario: 'membership-rotation', catches: ['deposits-minted'] },
  'peg-sweep-skips-previous': { scenario: 'membership-rotation', catches: ['old-outputs-swept'] },
  'peg-read-newest-finalized-only': { scenario: 'peg-cycle', catches: ['burns-paid'] },
  'peg-payout-gwei-as-sats': { scenario: 'peg-cycle', catches: ['federation-conserved', 'burns-paid-once-and-right'] },
  'governance-forget-signed': { scenario: 'membership-rotation', catches: ['no-output-signed-twice'] },
  'governance-void-live': { scenario: 'peg-cycle', catches: ['burns-paid-once-and-right'] },
  'sync-strict-peer-exclusion': { scenario: 'sync-single-peer-lossy', catches: ['sync-never-idle-while-behind'] },
  'sync-trust-unserved-claims': { scenario: 'sync-overclaiming-peer', catches: ['liveness'] },
  'rollout-ignore-gates': { scenario: 'v3-rollout', catches: ['rollout-rolls-back'] },
  'gossip-relay-before-validate': { scenario: 'gossip-garbage-relay', catches: ['no-honest-peer-banned'] },
  'storage-skip-checksum': { scenario: 'storage-corruption', catches: ['no-corrupt-read'] },
  'peg-no-lookup-after-build-failure': { scenario: 'pegout-lagging-node', catches: ['peg-outs-finished-once-paid'] },
  'timer-droppable': { scenario: 'gossip-flood', catches: ['slot-timer-fires', 'liveness'] },
  'chain-skip-payload-linkage': { scenario: 'byzantine-payload-fork', catches: ['payload-extends-parent'] },
  'chain-no-execution-repair': { scenario: 'engine-faults', catches: ['liveness'] },
  'chain-trusts-impossible-height': { scenario: 'byzantine-height-liar', catches: ['sync-status-consistent'] },
  'pegin-no-rescan-for-late-federation': { scenario: 'rotation-then-restart', catches: ['liveness'] },
  'chain-request-missing-every-time': { scenario: 'bitcoin-node-down', catches: ['no-repeated-sends'] },
  'pegout-spend-rejected-deposits': { scenario: 'malformed-deposits', catches: ['rejected-outputs-unspent'] },
};

export function allBugs(): PlantedBug[] {
  const described: Array<{ name: string; layer: string; description: string }> = [];
  for (const [name, description] of Object.entries(kernelBugs)) described.push({ name, layer: 'kernel', description });
  for (const [name, description] of Object.entries(simIoBugs)) described.push({ name, layer: 'sim-io', description });
  for (const [app, a] of Object.entries(apps)) {
    for (const [name, description] of Object.entries(a.bugs)) described.push({ name, layer: `app:${app}`, description });
  }
  const appOf = new Map<string, string>();
  return described.map((b) => {
    const e = exposure[b.name];
    if (e === undefined) throw new Error(`planted bug ${b.name} has no exposing scenario: add it to sim/bugs.ts`);
    let app = appOf.get(e.scenario);
    if (app === undefined) {
      app = loadScenario(e.scenario).app;
      appOf.set(e.scenario, app);
    }
    return { ...b, scenario: e.scenario, app, catches: e.catches };
  });
}
