// Every planted bug the simulator knows, with the layer it lives in, the scenario that exposes it
// and the invariant that must catch it. `alys sim --list-bugs` prints this; a test runs each one
// over 20 seeds and asserts the catch, which is what shows the checkers are not vacuous.
import { simIoBugs } from '../src/io/sim/bugs.ts';
import { kernelBugs } from '../src/kernel/bugs.ts';
import { apps } from './apps.ts';

export interface PlantedBug {
  readonly name: string;
  readonly layer: string;
  readonly description: string;
  /** The scenario whose faults make the bug show. */
  readonly scenario: string;
  /** The invariant that must fail. */
  readonly caughtBy: string;
}

const exposure: Readonly<Record<string, { scenario: string; caughtBy: string }>> = {
  'deliver-twice': { scenario: 'toy-happy', caughtBy: 'kernel-exactly-once' },
  'lose-on-restart': { scenario: 'toy-chaos', caughtBy: 'kernel-conservation' },
  'reorder-sender': { scenario: 'toy-contested', caughtBy: 'kernel-fifo' },
  'leaky-partition': { scenario: 'toy-partition-heal', caughtBy: 'network-partition-respected' },
  'sync-lies': { scenario: 'toy-crash-restart', caughtBy: 'storage-durability' },
  'toy-vote-twice': { scenario: 'toy-contested', caughtBy: 'election-safety' },
  'toy-ambient-random': { scenario: 'toy-happy', caughtBy: 'determinism' },
  'chain-skip-proposer-check': { scenario: 'byzantine-invalid-blocks', caughtBy: 'accepted-by-slot-proposer' },
  'chain-unsynced-commit': { scenario: 'crash-during-import', caughtBy: 'committed-survives-restart' },
  'sync-trust-unlinked': { scenario: 'sync-byzantine-peer', caughtBy: 'synced-chain-equals-source' },
  'sync-checkpoint-before-persist': { scenario: 'sync-crash-and-resume', caughtBy: 'synced-chain-equals-source' },
  'sync-strict-peer-exclusion': { scenario: 'sync-single-peer-lossy', caughtBy: 'sync-never-idle-while-behind' },
  'chain-produce-while-syncing': { scenario: 'chain-late-joiner', caughtBy: 'production-above-threshold' },
  'toy-commit-early': { scenario: 'toy-partition-heal', caughtBy: 'state-machine-safety' },
  'peg-mint-one-confirmation': { scenario: 'peg-cycle', caughtBy: 'minted-after-confirmations' },
  'peg-forget-signature-request': { scenario: 'node-crash-mid-pegout', caughtBy: 'no-peg-operation-lost' },
  'peg-skip-payout-check': { scenario: 'byzantine-governance', caughtBy: 'burns-paid-once-and-right' },
  'rollout-ignore-gates': { scenario: 'v3-rollout', caughtBy: 'rollout-rolls-back' },
};

export function allBugs(): PlantedBug[] {
  const described: Array<{ name: string; layer: string; description: string }> = [];
  for (const [name, description] of Object.entries(kernelBugs)) described.push({ name, layer: 'kernel', description });
  for (const [name, description] of Object.entries(simIoBugs)) described.push({ name, layer: 'sim-io', description });
  for (const [app, a] of Object.entries(apps)) {
    for (const [name, description] of Object.entries(a.bugs)) described.push({ name, layer: `app:${app}`, description });
  }
  return described.map((b) => {
    const e = exposure[b.name];
    if (e === undefined) throw new Error(`planted bug ${b.name} has no exposing scenario: add it to sim/bugs.ts`);
    return { ...b, ...e };
  });
}
