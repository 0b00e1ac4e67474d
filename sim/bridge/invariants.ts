// The peg's invariants, checked by code against what Bitcoin, governance and the users' ledger
// say, not against the nodes' own bookkeeping alone.
import * as bitcoin from 'bitcoinjs-lib';
import { outpointKey } from '../../src/bridge/deposit.ts';
import type { Federation } from '../../src/bridge/federation.ts';
import { FEE_TOLERANCE_PERCENT, outpointOf } from '../../src/bridge/pegout-tx.ts';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { equalBytes, fromHex, toHex } from '../../src/types/hex.ts';
import type { InvariantOptions } from '../app.ts';
import { type CheckContext, type Invariant, type NodeSnapshot, honestRecovered } from '../chaos/invariant.ts';
import { AppendCursor } from '../chaos/append-cursor.ts';
import { type PegObservation, pegObservation } from './observation.ts';
import type { LedgerDeposit } from './shared.ts';
import { chainSetup } from '../chain/setup.ts';
import { satsToWei, weiToSats } from '../../src/bridge/amounts.ts';

/** What the checkers may read of a node's execution client: balances and included burns at a block. */
export interface ExecutionReader {
  balanceOf(address: Uint8Array, at?: Uint8Array): bigint;
  includedBurns(at?: Uint8Array): ReadonlySet<string>;
}

export type BridgeNodeView = ChainView & { readonly bridge: BridgeView | undefined; readonly execution?: ExecutionReader };
type Ctx = CheckContext<BridgeNodeView>;

const honest = (ctx: Ctx): ReadonlyArray<NodeSnapshot<BridgeNodeView> & { readonly view: BridgeNodeView }> => honestRecovered(ctx.nodes);

/**
 * Recomputes `f` only when Bitcoin's tip (or governance's record) changed. A passing check's value is
 * undefined, so whether one was computed is kept apart from the value.
 */
function onChange<T>(key: (sh: PegObservation) => string, f: (sh: PegObservation) => T): (sh: PegObservation) => T {
  let last: string | undefined;
  let value: { readonly v: T } | undefined;
  return (sh) => {
    const k = key(sh);
    if (k !== last || value === undefined) {
      last = k;
      value = { v: f(sh) };
    }
    return value.v;
  };
}

const tipKey = (sh: PegObservation): string => `${sh.bitcoin.height}:${sh.bitcoin.blocks[sh.bitcoin.height]?.hash ?? ''}`;

/**
 * What the checkers read of a confirmed transaction, worked out once per transaction object: the
 * checks that scan Bitcoin's whole main chain at each new tip would otherwise hash and hex-encode
 * every transaction of it again.
 */
interface TxFacts {
  readonly id: string;
  readonly outScripts: readonly string[];
  readonly spends: readonly string[];
  readonly vsize: number;
}
const txFacts = new WeakMap<bitcoin.Transaction, TxFacts>();
function factsOf(sh: PegObservation, tx: bitcoin.Transaction): TxFacts {
  let f = txFacts.get(tx);
  if (f === undefined) {
    f = { id: sh.bitcoin.idOf(tx), outScripts: tx.outs.map((o) => toHex(o.script)), spends: tx.ins.map((i) => outpointOf(i)), vsize: tx.virtualSize() };
    txFacts.set(tx, f);
  }
  return f;
}

/** A burn's destination as an output script (hex), as Bitcoin's outputs name it. */
const destinationScripts = new Map<string, string>();
function destinationScript(destination: string): string {
  let hex = destinationScripts.get(destination);
  if (hex === undefined) {
    hex = toHex(bitcoin.address.toOutputScript(destination, bitcoin.networks.regtest));
    destinationScripts.set(destination, hex);
  }
  return hex;
}

/**
 * A deposit is minted only if it is a valid deposit and had the required confirmations when the
 * block minting it was made (by the end of that block's slot), as Bitcoin's main chain was then:
 * not as it is when the checker happens to look.
 */
export function mintedAfterConfirmations(o: InvariantOptions): Invariant<BridgeNodeView> {
  const judged = new Set<string>();
  const cursor = new AppendCursor();
  let spec: ReturnType<typeof chainSetup>['spec'] | undefined;
  // The ledger's deposits by outpoint (the first of each, as a search from the start finds it).
  const byOutpoint = new Map<string, LedgerDeposit>();
  // Bitcoin's tip as it moved: at each change, the time and each deposit's confirmations then.
  const history: Array<{ at: number; key: string; confirmations: Map<string, number> }> = [];
  const confirmationsAt = (t: number, txid: string): number => {
    let snap: (typeof history)[number] | undefined;
    for (let i = history.length - 1; i >= 0; i--) {
      if ((history[i] as (typeof history)[number]).at <= t) {
        snap = history[i];
        break;
      }
    }
    return snap?.confirmations.get(txid) ?? 0;
  };
  return {
    name: 'minted-after-confirmations',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const key = tipKey(sh);
      if (history[history.length - 1]?.key !== key) {
        // Each deposit's depth in the main chain, from Bitcoin's index (the mempool counts as none).
        const confirmations = new Map<string, number>();
        for (const d of sh.ledger.deposits) {
          const c = sh.bitcoin.confirmations(d.txid);
          if (c !== undefined && c > 0) confirmations.set(d.txid, c);
        }
        history.push({ at: ctx.now, key, confirmations });
      }
      spec ??= chainSetup(o.scenario, ctx.nodes.map((n) => n.id)).spec;
      const { slotDurationMs, genesisTimeMs } = spec;
      if (byOutpoint.size !== sh.ledger.deposits.length) {
        byOutpoint.clear();
        for (const d of sh.ledger.deposits) if (!byOutpoint.has(outpointKey(d.txid, d.vout))) byOutpoint.set(outpointKey(d.txid, d.vout), d);
      }
      for (const n of honest(ctx)) {
        const problem = cursor.scan(n.id, n.incarnation, n.view.accepted, (r) => {
          const hash = toHex(r.hash);
          for (const k of n.view.mintedIn.get(hash) ?? []) {
            if (judged.has(`${hash}:${k}`)) continue;
            judged.add(`${hash}:${k}`);
            const d = byOutpoint.get(k);
            if (d === undefined || !d.valid) return `${n.id} accepted block ${r.height} minting ${k}, which is not a valid deposit`;
            const madeBy = Math.min(ctx.now, genesisTimeMs + (r.slot + 1) * slotDurationMs);
            const c = confirmationsAt(madeBy, d.txid);
            if (c < o.scenario.bridge.confirmations) return `${n.id} accepted block ${r.height} (slot ${r.slot}) minting ${k}, which had ${c} confirmations by then (${o.scenario.bridge.confirmations} required)`;
          }
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/**
 * The users' balances on every node's execution client, at its finalized block, are what the
 * users' ledger says they must be: each deposit that chain minted credited once, for its amount
 * (1 satoshi = 10 gwei = 10^10 wei) to the address it named, less each burn of the user included.
 */
export function mintedAsDeposited(): Invariant<BridgeNodeView> {
  const lastJudged = new Map<string, string>();
  return {
    name: 'minted-as-deposited',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      for (const n of honest(ctx)) {
        const el = n.view.execution;
        const at = n.view.finalizedPayloadHash;
        if (el === undefined || at === '' || lastJudged.get(n.id) === at) continue;
        lastJudged.set(n.id, at);
        const minted = new Set<string>();
        for (const hash of n.view.finalized) for (const k of n.view.mintedIn.get(hash) ?? []) minted.add(k);
        const expected = new Map<string, bigint>();
        for (const d of sh.ledger.deposits) {
          if (!minted.has(outpointKey(d.txid, d.vout))) continue;
          const user = d.evmAddress.toLowerCase();
          expected.set(user, (expected.get(user) ?? 0n) + satsToWei(d.amountSats));
        }
        const atBytes = fromHex(at);
        const included = el.includedBurns(atBytes);
        for (const b of sh.ledger.burns) {
          if (!included.has(b.id)) continue;
          const user = b.from.toLowerCase();
          expected.set(user, (expected.get(user) ?? 0n) - b.wei);
        }
        const users = new Set([...expected.keys(), ...sh.ledger.deposits.map((d) => d.evmAddress.toLowerCase())]);
        for (const user of users) {
          const want = expected.get(user) ?? 0n;
          const got = el.balanceOf(fromHex(user), atBytes);
          if (got !== want) return `${n.id}'s execution client holds ${got} wei for ${user} at finalized ${at.slice(0, 12)}; the ledger's deposits minted there less its burns make ${want}`;
        }
      }
      return undefined;
    },
  };
}

/** Along every node's finalized chain, each deposit is minted at most once. */
export function mintedOnce(): Invariant<BridgeNodeView> {
  const cursor = new AppendCursor();
  const seen = new Map<string, Map<string, number>>();
  return {
    name: 'minted-once',
    check(ctx) {
      for (const n of honest(ctx)) {
        const mine = seen.get(`${n.id}:${n.incarnation}`) ?? new Map<string, number>();
        seen.set(`${n.id}:${n.incarnation}`, mine);
        const problem = cursor.scan(n.id, n.incarnation, n.view.finalized, (hash, h) => {
          for (const k of n.view.mintedIn.get(hash) ?? []) {
            const at = mine.get(k);
            if (at !== undefined) return `${n.id} minted ${k} twice, at heights ${at} and ${h}`;
            mine.set(k, h);
          }
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/** At the end: every valid deposit confirmed well before it is minted in every live node's finalized chain. */
export function depositsMinted(o: InvariantOptions): Invariant<BridgeNodeView> {
  return {
    name: 'deposits-minted',
    check(ctx) {
      if (!ctx.final) return undefined;
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const margin = o.scenario.bridge.confirmations + Math.ceil(o.livenessWindowMs / 2 / o.scenario.bridge.bitcoinBlockEveryMs);
      const due = sh.ledger.deposits.filter((d) => {
        if (!d.valid) return false;
        const c = sh.bitcoin.confirmations(d.txid);
        if (c === undefined || c < margin) return false;
        const grace = sh.graceUntil.get(d.federationVersion);
        return grace === undefined || sh.bitcoin.height - c + 1 <= grace;
      });
      for (const n of honest(ctx)) {
        const minted = new Set<string>();
        for (const hash of n.view.finalized) for (const k of n.view.mintedIn.get(hash) ?? []) minted.add(k);
        const missing = due.find((d) => !minted.has(outpointKey(d.txid, d.vout)));
        if (missing !== undefined) return `${n.id} never minted deposit ${outpointKey(missing.txid, missing.vout)} (${sh.bitcoin.confirmations(missing.txid)} confirmations)`;
      }
      return undefined;
    },
  };
}

/** What Bitcoin's main chain pays each burn's destination. */
type Payouts = Map<string, Array<{ txid: string; value: bigint; vsize: number }>>;

function payouts(sh: PegObservation): Payouts {
  const out: Payouts = new Map();
  const wanted = new Map(sh.ledger.burns.map((b) => [destinationScript(b.destination), b.destination]));
  for (const { tx } of sh.bitcoin.confirmedTxs()) {
    const f = factsOf(sh, tx);
    tx.outs.forEach((o, vout) => {
      const dest = wanted.get(f.outScripts[vout] as string);
      if (dest === undefined) return;
      const list = out.get(dest) ?? [];
      list.push({ txid: f.id, value: o.value, vsize: f.vsize });
      out.set(dest, list);
    });
  }
  return out;
}

/**
 * payouts, shared by the checkers of one world and recomputed when Bitcoin's tip or the set of
 * burns changed (the value is only read).
 */
const payoutMemos = new WeakMap<PegObservation, { key: string; value: Payouts }>();
function payoutsNow(sh: PegObservation): Payouts {
  const key = `${tipKey(sh)}:${sh.ledger.burns.length}`;
  const m = payoutMemos.get(sh);
  if (m !== undefined && m.key === key) return m.value;
  const value = payouts(sh);
  payoutMemos.set(sh, { key, value });
  return value;
}

/**
 * No burn is ever paid twice, and what it is paid is its amount less a fee the going rate explains:
 * at most the fee tolerance over the rate times the transaction's size (sizes allowed 10 % slack
 * for the estimate's worst-case signature lengths).
 */
export function burnsPaidOnceAndRight(): Invariant<BridgeNodeView> {
  return {
    name: 'burns-paid-once-and-right',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const paid = payoutsNow(sh);
      for (const b of sh.ledger.burns) {
        const list = paid.get(b.destination) ?? [];
        if (list.length > 1) return `burn ${b.id} paid ${list.length} times (${list.map((p) => p.txid.slice(0, 12)).join(', ')})`;
        const p = list[0];
        if (p === undefined) continue;
        const amount = b.wei / 10_000_000_000n;
        const maxFee = (BigInt(Math.ceil(p.vsize * 1.1)) * sh.bitcoin.feeRateSatPerVb * FEE_TOLERANCE_PERCENT) / 100n;
        if (p.value > amount || amount - p.value > maxFee) return `burn ${b.id} of ${amount} satoshis paid ${p.value} (fee bound ${maxFee})`;
      }
      return undefined;
    },
  };
}

/** At the end: every burn made well before is paid. */
export function burnsPaid(o: InvariantOptions): Invariant<BridgeNodeView> {
  return {
    name: 'burns-paid',
    check(ctx) {
      if (!ctx.final) return undefined;
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const paid = payoutsNow(sh);
      const cutoff = ctx.now - o.livenessWindowMs;
      const unpaid = sh.ledger.burns.find((b) => b.sentAtMs < cutoff && (paid.get(b.destination) ?? []).length === 0);
      if (unpaid !== undefined) return `burn ${unpaid.id} (sent at ${unpaid.sentAtMs} ms) was never paid`;
      // Nor is any node's operation for an early burn stuck short of completion.
      const early = new Set(sh.ledger.burns.filter((b) => b.sentAtMs < cutoff).map((b) => b.destination));
      for (const n of honest(ctx)) {
        const stuck = n.view.bridge?.operations.find((op) => early.has(op.destination) && op.status !== 'completed');
        if (stuck !== undefined) return `${n.id}'s peg-out ${stuck.id} is stuck at ${stuck.status}`;
      }
      return undefined;
    },
  };
}

/** Governance never signed two different transactions spending one federation output. */
export function noOutputSignedTwice(): Invariant<BridgeNodeView> {
  const compute = onChange(
    (sh) => `${Object.keys(sh.governance.signer.signedState().signedTx).length}:${Object.keys(sh.governance.signer.signedState().voided ?? {}).length}`,
    (sh) => {
      const by = new Map<string, string>();
      const state = sh.governance.signer.signedState();
      for (const [txid, hex] of Object.entries(state.signedTx)) {
        const tx = bitcoin.Transaction.fromHex(hex);
        // A transaction governance voided is left out only if Bitcoin shows it can never confirm;
        // voiding one that still could is exactly a second spend that might confirm too.
        if (state.voided?.[txid] !== undefined && sh.bitcoin.canNeverConfirm(tx)) continue;
        for (const i of tx.ins) {
          const op = outpointOf(i);
          const other = by.get(op);
          if (other !== undefined && other !== txid) return `${op} signed into ${other.slice(0, 12)} and ${txid.slice(0, 12)}`;
          by.set(op, txid);
        }
      }
      return undefined;
    },
  );
  return {
    name: 'no-output-signed-twice',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      return sh === undefined ? undefined : compute(sh);
    },
  };
}

/**
 * The federation's money, against the users' ledger: what it holds on Bitcoin's main chain equals
 * what users deposited (confirmed) less, for each burn paid, the burn's whole amount (its payout
 * plus its share of the fee) less the fees of sweeps. And federation money leaves only to a burn's
 * destination, to the federation itself, or as fee.
 */
export function federationConserved(): Invariant<BridgeNodeView> {
  const compute = onChange(tipKey, (sh) => {
    const feds: readonly Federation[] = sh.governance.signer.federations;
    const fedScripts = new Set(feds.map((f) => toHex(f.scriptPubKey)));
    const isFed = (script: string): boolean => fedScripts.has(script);
    const burnByScript = new Map(sh.ledger.burns.map((b) => [destinationScript(b.destination), b]));
    const depositTxids = new Set(sh.ledger.deposits.map((d) => d.txid));
    const fedOutputs = new Map<string, bigint>();
    const paid = new Set<string>();
    let deposited = 0n;
    let sweepFees = 0n;
    for (const { tx } of sh.bitcoin.confirmedTxs()) {
      const f = factsOf(sh, tx);
      const id = f.id;
      if (depositTxids.has(id)) for (const d of sh.ledger.deposits) if (d.txid === id) deposited += d.amountSats;
      const spent = f.spends.filter((op) => fedOutputs.has(op));
      if (spent.length > 0) {
        const inSum = spent.reduce((sum, op) => sum + (fedOutputs.get(op) as bigint), 0n);
        for (const op of spent) fedOutputs.delete(op);
        const outSum = tx.outs.reduce((sum, o) => sum + o.value, 0n);
        let payouts = 0;
        for (let vout = 0; vout < tx.outs.length; vout++) {
          const o = tx.outs[vout] as bitcoin.Transaction['outs'][number];
          const script = f.outScripts[vout] as string;
          if (isFed(script)) continue;
          const b = burnByScript.get(script);
          if (b === undefined) return `federation transaction ${id.slice(0, 12)} pays ${o.value} satoshis to a script no burn named`;
          paid.add(b.id);
          payouts++;
        }
        if (payouts === 0) sweepFees += inSum - outSum;
      }
      tx.outs.forEach((o, vout) => {
        if (isFed(f.outScripts[vout] as string)) fedOutputs.set(`${id}:${vout}`, o.value);
      });
    }
    let burned = 0n;
    for (const b of sh.ledger.burns) if (paid.has(b.id)) burned += weiToSats(b.wei);
    let held = 0n;
    for (const v of fedOutputs.values()) held += v;
    const expected = deposited - burned - sweepFees;
    return held === expected ? undefined : `the federation holds ${held} satoshis; deposits ${deposited} less burns paid ${burned} less sweep fees ${sweepFees} make ${expected}`;
  });
  return {
    name: 'federation-conserved',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      return sh === undefined ? undefined : compute(sh);
    },
  };
}

/** A peg-out operation a node knew of is still known to it after any crash and restart. */
export function noPegLost(): Invariant<BridgeNodeView> {
  const known = new Map<string, Set<string>>();
  // A node publishes a new list whenever its operations change: the same list needs no second look.
  const judged = new Map<string, readonly unknown[]>();
  return {
    name: 'no-peg-operation-lost',
    check(ctx) {
      for (const n of honest(ctx)) {
        const br = n.view.bridge;
        if (br === undefined || !br.recovered) continue;
        if (judged.get(n.id) === br.operations) continue;
        judged.set(n.id, br.operations);
        const mine = known.get(n.id) ?? new Set<string>();
        known.set(n.id, mine);
        const now = new Set(br.operations.map((o) => o.id));
        for (const id of mine) if (!now.has(id)) return `${n.id} lost peg-out ${id} (incarnation ${n.incarnation})`;
        for (const id of now) mine.add(id);
      }
      return undefined;
    },
  };
}

/** At the end: after a rotation, outputs of earlier federations confirmed well before are swept. */
export function oldOutputsSwept(o: InvariantOptions): Invariant<BridgeNodeView> {
  return {
    name: 'old-outputs-swept',
    check(ctx) {
      if (!ctx.final) return undefined;
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const old = sh.governance.signer.federations.slice(1);
      const margin = Math.ceil(o.livenessWindowMs / 2 / o.scenario.bridge.bitcoinBlockEveryMs);
      for (const f of old) {
        const left = sh.bitcoin.listUnspent(f.scriptPubKey, margin);
        if (left.length > 0) return `${left.length} outputs of federation v${f.version} were never swept (oldest ${left[left.length - 1]?.confirmations} confirmations)`;
      }
      return undefined;
    },
  };
}

/**
 * No node's peg-out stays unfinished once Bitcoin holds its payout at the payout depth: within the
 * liveness window of the later of the two (the node knowing the operation, the payout confirming),
 * every live node has completed it — whether it built the payout, adopted a peer's from governance,
 * or found it on Bitcoin.
 */
export function pegOutsFinishedOncePaid(o: InvariantOptions): Invariant<BridgeNodeView> {
  // By node, then operation: when each unfinished operation was first seen paid and confirmed.
  const since = new Map<string, Map<string, number>>();
  return {
    name: 'peg-outs-finished-once-paid',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      if (sh === undefined) return undefined;
      const paid = payoutsNow(sh);
      for (const n of honest(ctx)) {
        let mine = since.get(n.id);
        if (mine === undefined) {
          mine = new Map();
          since.set(n.id, mine);
        }
        for (const op of n.view.bridge?.operations ?? []) {
          if (op.status === 'completed') {
            if (mine.size > 0) mine.delete(op.id);
            continue;
          }
          const p = paid.get(op.destination)?.[0];
          if (p === undefined || (sh.bitcoin.confirmations(p.txid) ?? 0) < o.scenario.bridge.payoutConfirmations) continue;
          const from = mine.get(op.id) ?? ctx.now;
          mine.set(op.id, from);
          if (ctx.now - from > o.livenessWindowMs) return `${n.id}'s peg-out ${op.id} is still ${op.status} ${ctx.now - from} ms after its payout ${p.txid.slice(0, 12)} confirmed`;
        }
      }
      return undefined;
    },
  };
}

/**
 * A rejected deposit's output (no valid OP_RETURN: never minted) belongs to its depositor, not to the
 * peg: no payout, sweep or consolidation ever spends it. Only a refund may: one input, that output,
 * and one output paying neither a federation nor a burn's destination.
 */
export function rejectedOutputsUnspent(): Invariant<BridgeNodeView> {
  const compute = onChange(tipKey, (sh) => {
    const rejected = new Set(sh.ledger.deposits.filter((d) => !d.valid).map((d) => outpointKey(d.txid, d.vout)));
    if (rejected.size === 0) return undefined;
    const feds: readonly Federation[] = sh.governance.signer.federations;
    const burnScripts = new Set(sh.ledger.burns.map((b) => toHex(bitcoin.address.toOutputScript(b.destination, bitcoin.networks.regtest))));
    for (const { tx } of sh.bitcoin.confirmedTxs()) {
      const spent = tx.ins.map((i) => outpointOf(i)).find((op) => rejected.has(op));
      if (spent === undefined) continue;
      const out = tx.outs[0];
      const refund = tx.ins.length === 1 && tx.outs.length === 1 && out !== undefined && !feds.some((f) => equalBytes(f.scriptPubKey, out.script)) && !burnScripts.has(toHex(out.script));
      if (!refund) return `transaction ${sh.bitcoin.idOf(tx).slice(0, 12)} (${tx.ins.length} inputs, ${tx.outs.length} outputs) spends rejected deposit ${spent}, which is its depositor's to be refunded`;
    }
    return undefined;
  });
  return {
    name: 'rejected-outputs-unspent',
    check(ctx) {
      const sh = pegObservation(ctx.shared);
      return sh === undefined ? undefined : compute(sh);
    },
  };
}
