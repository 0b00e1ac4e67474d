// Judging a nemesis run with the simulation's own checkers: the bridge app's invariant registry
// (the chain's plus the peg's), fed check contexts built from what the real components report
// (harness/nemesis/observe.ts). Pure: a history of contexts in, a verdict per invariant out, so a
// test can hand it a bad history and see it fail.
import { bridgeApp } from '../../sim/bridge/app.ts';
import type { BridgeNodeView } from '../../sim/bridge/invariants.ts';
import type { CheckContext, Invariant } from '../../sim/chaos/invariant.ts';
import type { InvariantOptions } from '../../sim/app.ts';

/**
 * The invariants a real devnet can be judged by, by their simulation names. Left out, because a
 * real devnet does not report what they read: accepted-by-slot-proposer (each block's signatures),
 * production-above-threshold and sync-status-consistent (the node's internal sync record at each
 * production), no-honest-peer-banned (ban records), payload-extends-parent (payload parents),
 * slot-timer-fires (tick counts), rollout-rolls-back (no rollout here), minted-after-confirmations
 * (the Bitcoin tip as each block's proposer saw it), old-outputs-swept and
 * peg-outs-finished-once-paid (timed against the simulated Bitcoin's block rate).
 */
export const NEMESIS_INVARIANTS = [
  'finalized-agreement',
  'finalized-never-reverted',
  'unique-accepted-per-slot',
  'committed-survives-restart',
  'liveness',
  'minted-once',
  'minted-as-deposited',
  'burns-paid-once-and-right',
  'federation-conserved',
  'no-output-signed-twice',
  'no-peg-operation-lost',
  'deposits-minted',
  'burns-paid',
] as const;

export type NemesisInvariant = (typeof NEMESIS_INVARIANTS)[number];

export class NemesisJudge {
  private readonly invariants: ReadonlyArray<Invariant<BridgeNodeView>>;
  private readonly failures = new Map<string, string>();
  checks = 0;

  constructor(opts: InvariantOptions) {
    this.invariants = NEMESIS_INVARIANTS.map((name) => {
      const make = bridgeApp.invariants[name];
      if (make === undefined) throw new Error(`the simulation has no invariant ${name}`);
      return make(opts);
    });
  }

  /** One look at the devnet; the first failure of each invariant is kept. */
  check(ctx: CheckContext<BridgeNodeView>): void {
    this.checks++;
    for (const inv of this.invariants) {
      if (this.failures.has(inv.name)) continue;
      let r: string | undefined;
      try {
        r = inv.check(ctx);
      } catch (err) {
        r = `checker threw: ${(err as Error).message}`;
      }
      if (r !== undefined) this.failures.set(inv.name, `at ${(ctx.now / 1000).toFixed(1)} s: ${r}`);
    }
  }

  /** name → 'pass' | 'fail: reason', as `alys sim --json` reports them. */
  results(): Record<string, string> {
    return Object.fromEntries(this.invariants.map((i) => [i.name, this.failures.has(i.name) ? `fail: ${this.failures.get(i.name)}` : 'pass']));
  }

  get ok(): boolean {
    return this.failures.size === 0 && this.checks > 0;
  }
}
