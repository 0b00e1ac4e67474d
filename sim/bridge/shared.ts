// The world-level processes of a bridge run: one simulated Bitcoin network, one simulated
// governance (the real signer with 5 member keys, 3 needed), the users' pending burns, and a ledger
// of what the users did, which the checkers compare against what the nodes and Bitcoin report.
import { devMemberKeys, FederationSigner, MemorySignedStore } from '../../src/governance/signer.ts';
import { SimBitcoin } from '../../src/io/sim/bitcoin.ts';
import type { BurnTx } from '../../src/io/sim/execution.ts';
import { SimGovernance } from '../../src/io/sim/governance.ts';
import type { BugSwitches } from '../../src/kernel/bugs.ts';
import type { Rng } from '../../src/kernel/rng.ts';
import type { Scheduler } from '../../src/kernel/scheduler.ts';
import type { Scenario } from '../scenario.ts';

export interface LedgerDeposit {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly evmAddress: string;
  /** False for the malformed ones: they must never be minted. */
  readonly valid: boolean;
  readonly federationVersion: number;
  readonly sentAtMs: number;
}

export interface LedgerBurn extends BurnTx {
  readonly sentAtMs: number;
}

export class BridgeLedger {
  readonly deposits: LedgerDeposit[] = [];
  readonly burns: LedgerBurn[] = [];
  /** Deposit txids a reorg double-spent away. */
  readonly evicted = new Set<string>();
}

export interface BridgeShared {
  readonly bitcoin: SimBitcoin;
  readonly governance: SimGovernance;
  readonly burnPool: { burns: BurnTx[] };
  readonly ledger: BridgeLedger;
  /** Federation version → last Bitcoin height at which deposits to it still count (after a rotation). */
  readonly graceUntil: Map<number, number>;
}

export const SHARED_KEY = 'bridge';

export function createBridgeShared(o: { scheduler: Scheduler; rng: Rng; scenario: Scenario; sometimes: (p: string) => void; bugs: BugSwitches }): Map<string, unknown> {
  const b = o.scenario.bridge;
  const bitcoin = new SimBitcoin(o.scheduler);
  // Some history below the deposits, as a real chain has.
  for (let i = 0; i < 10; i++) bitcoin.mine();
  const signer = new FederationSigner({
    network: 'regtest',
    privateKeys: devMemberKeys('sim-federation-v1', b.members),
    threshold: b.threshold,
    store: new MemorySignedStore(),
    // Governance's own Bitcoin node sees the one simulated Bitcoin.
    chain: { tipHeight: () => bitcoin.height, hasTransaction: (txid) => bitcoin.confirmations(txid) !== undefined, isSpendable: (op) => bitcoin.isSpendable(op) },
    voidAfterBlocks: b.confirmations,
    maxFeeSats: BigInt(b.maxFeeSats),
    bugs: o.bugs,
  });
  const governance = new SimGovernance(o.scheduler, signer, o.rng.fork('governance'), o.sometimes);
  governance.latencyMs = b.governanceLatencyMs;
  const shared: BridgeShared = { bitcoin, governance, burnPool: { burns: [] }, ledger: new BridgeLedger(), graceUntil: new Map() };
  return new Map<string, unknown>([[SHARED_KEY, shared]]);
}

export const bridgeShared = (m: ReadonlyMap<string, unknown> | undefined): BridgeShared | undefined => m?.get(SHARED_KEY) as BridgeShared | undefined;
