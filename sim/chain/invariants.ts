// The chain's invariants, checked by code on every step of a run.
import type { ChainView } from '../../src/chain/chain-view.ts';
import { approvalMessage, approvalThreshold, proposalMessage } from '../../src/consensus/approvals.ts';
import type { InvariantOptions } from '../app.ts';
import { type CheckContext, type Invariant, type NodeSnapshot, honestRecovered } from '../chaos/invariant.ts';
import { AppendCursor } from '../chaos/append-cursor.ts';
import { ProgressWindows } from '../chaos/liveness.ts';
import { equalBytes, toHex } from '../../src/types/hex.ts';
import { chainSetup } from './setup.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { slotAt } from '../../src/consensus/aura.ts';
import { defaultEpochMs } from '../../src/io/sim/clock.ts';
import { genesisBlock, genesisPayload } from '../../src/chain/genesis.ts';

type Ctx = CheckContext<ChainView>;

const honest = (ctx: Ctx): ReadonlyArray<NodeSnapshot<ChainView> & { readonly view: ChainView }> => honestRecovered(ctx.nodes);

/**
 * Which restarts follow a disk fault on that node (a bit flip, a misdirected or a lost write, during
 * the incarnation before or while the node was down). Such a disk broke the contract that the
 * durability checkers assume: what must hold then is that the node never uses a corrupt record
 * (no-corrupt-read), never finalizes a block another node did not (finalized-agreement), and
 * catches up again from its peers (liveness).
 */
class DiskFaultEpochs {
  /** Disk faults counted when each node's current incarnation was first seen. */
  private readonly base = new Map<string, { incarnation: number; faults: number }>();

  /** Call once per node per check; true when this node restarted on a disk faulted since its last start. */
  restartedOnFaultedDisk(n: { readonly id: string; readonly incarnation: number; readonly diskFaults?: number }): boolean {
    const faults = n.diskFaults ?? 0;
    const prev = this.base.get(n.id);
    if (prev !== undefined && prev.incarnation === n.incarnation) return false;
    this.base.set(n.id, { incarnation: n.incarnation, faults });
    return prev !== undefined && prev.faults !== faults;
  }
}

/**
 * Reads every node's finalized list again, not only what was appended since the last look: an
 * in-place overwrite at a height already read is a replacement too. A node's list is read when its
 * length or tip changes, and at every FULL_READ_EVERY-th look. Such a read covers the new heights,
 * the last TAIL (where finalizing writes, and where an off-by-one lands), and the next SWEEP heights
 * below them in turn, so every height is read again within length / SWEEP reads. The first look at
 * an incarnation, a list that got shorter and the final check read everything. Reading the whole
 * list each time made the two finalized checks grow with the chain (a tenth of an hour's run).
 * Looks, not virtual time: the clock is not read, so the runner skips the check after steps in
 * which nothing happened (sim/chaos/check-gate.ts), and an overwrite needs something to happen.
 */
const FULL_READ_EVERY = 4;
const TAIL = 16;
const SWEEP = 32;

/** Heights [from, to) to read, in order. */
type Span = readonly [number, number];

class FinalizedReader {
  private readonly last = new Map<string, { length: number; tip: string | undefined; looks: number; sweep: number }>();

  spans(ctx: Ctx, n: { id: string; incarnation: number; view: ChainView }): readonly Span[] {
    const list = n.view.finalized;
    const key = `${n.id}:${n.incarnation}`;
    const prev = this.last.get(key);
    const tip = list[list.length - 1];
    if (prev === undefined || ctx.final || list.length < prev.length) {
      this.last.set(key, { length: list.length, tip, looks: 1, sweep: 0 });
      return [[0, list.length]];
    }
    if (prev.length === list.length && prev.tip === tip && prev.looks < FULL_READ_EVERY) {
      prev.looks++;
      return [];
    }
    const tailFrom = Math.max(0, prev.length - TAIL);
    const sweepFrom = prev.sweep >= tailFrom ? 0 : prev.sweep;
    const sweepTo = Math.min(tailFrom, sweepFrom + SWEEP);
    this.last.set(key, { length: list.length, tip, looks: 1, sweep: sweepTo });
    return sweepTo > sweepFrom ? [[sweepFrom, sweepTo], [tailFrom, list.length]] : [[tailFrom, list.length]];
  }
}

/** No two honest nodes ever finalize different blocks at one height. */
export function finalizedAgreement(): Invariant<ChainView> {
  const byHeight: string[] = [];
  const reader = new FinalizedReader();
  return {
    name: 'finalized-agreement',
    check(ctx) {
      for (const n of honest(ctx)) {
        const list = n.view.finalized;
        for (const [from, to] of reader.spans(ctx, n)) {
          for (let h = from; h < to; h++) {
            const hash = list[h];
            if (hash === undefined) continue;
            const first = byHeight[h];
            if (first === undefined) byHeight[h] = hash;
            else if (first !== hash) return `height ${h} finalized as ${first.slice(0, 12)} and, on ${n.id}, as ${hash.slice(0, 12)}`;
          }
        }
      }
      return undefined;
    },
  };
}

/**
 * What a node finalized stays: its finalized height never goes down and the hash it finalized at a
 * height is never replaced (not by an overwrite in place, not across a crash and restart).
 */
export function finalizedNeverReverted(): Invariant<ChainView> {
  const mine = new Map<string, string[]>();
  const reader = new FinalizedReader();
  const epochs = new DiskFaultEpochs();
  return {
    name: 'finalized-never-reverted',
    check(ctx) {
      for (const n of honest(ctx)) {
        // A restart on a faulted disk may have lost the finalized block's record: finality is learned again.
        if (epochs.restartedOnFaultedDisk(n)) mine.set(n.id, []);
        const list = n.view.finalized;
        const seen = mine.get(n.id) ?? [];
        mine.set(n.id, seen);
        if (list.length < seen.length) return `${n.id} finalized height went from ${seen.length - 1} back to ${list.length - 1}`;
        for (const [from, to] of reader.spans(ctx, n)) {
          for (let h = from; h < to; h++) {
            const hash = list[h];
            const before = seen[h];
            if (before !== undefined && hash !== before) return `${n.id} replaced its finalized block at height ${h}: ${before.slice(0, 12)} became ${String(hash).slice(0, 12)}`;
            if (hash !== undefined) seen[h] = hash;
          }
        }
      }
      return undefined;
    },
  };
}

/** Every accepted block was signed by its slot's proposer and approved by a quorum. */
export function acceptedBySlotProposer(opts: InvariantOptions): Invariant<ChainView> {
  const cursor = new AppendCursor();
  let setup: ReturnType<typeof chainSetup> | undefined;
  // Every node accepts the same blocks: a signature identical to one already verified for the same
  // block (the proposer's, or an aggregate over the same signers) needs no second verification, its
  // answer would be the same. Nodes aggregate the approvals they received, so one block may carry a
  // few signer sets; its proposer signed it once.
  const verified = new Map<string, VerifiedSignatures>();
  return {
    name: 'accepted-by-slot-proposer',
    check(ctx) {
      setup ??= chainSetup(opts.scenario, ctx.nodes.map((n) => n.id));
      const { spec, scheme } = setup;
      const n = spec.authorities.length;
      for (const node of honest(ctx)) {
        const problem = cursor.scan(node.id, node.incarnation, node.view.accepted, (r) => {
          if (r.proposerIndex !== r.slot % n) return `${node.id} accepted height ${r.height} slot ${r.slot} from authority ${r.proposerIndex}, not the slot's proposer ${r.slot % n}`;
          if (r.approvalSigners.length < approvalThreshold(n)) return `${node.id} accepted height ${r.height} with ${r.approvalSigners.length} approvals`;
          const key = toHex(r.hash);
          let v = verified.get(key);
          if (v === undefined) {
            v = { proposals: [], aggregates: [] };
            verified.set(key, v);
          }
          if (!v.proposals.some((p) => p.proposerIndex === r.proposerIndex && equalBytes(p.signature, r.signature))) {
            if (!scheme.verify(spec.authorities[r.proposerIndex] as Uint8Array, proposalMessage(r.hash), r.signature)) {
              return `${node.id} accepted height ${r.height} whose proposer signature does not verify`;
            }
            v.proposals.push({ proposerIndex: r.proposerIndex, signature: r.signature });
          }
          if (!v.aggregates.some((a) => sameSigners(a.signers, r.approvalSigners) && equalBytes(a.signature, r.approvalSignature))) {
            const keys = r.approvalSigners.map((k) => spec.authorities[k] as Uint8Array);
            if (!scheme.verifyAggregate(keys, approvalMessage(r.hash), r.approvalSignature)) return `${node.id} accepted height ${r.height} with bad approvals`;
            v.aggregates.push({ signers: r.approvalSigners, signature: r.approvalSignature });
          }
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/** The signatures of one block that verified: its proposer's, and each aggregate by its signers. */
interface VerifiedSignatures {
  readonly proposals: Array<{ readonly proposerIndex: number; readonly signature: Uint8Array }>;
  readonly aggregates: Array<{ readonly signers: readonly number[]; readonly signature: Uint8Array }>;
}

function sameSigners(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((k, i) => b[i] === k);
}

/** A restarted node still has every block it reported committed before the crash. */
export function committedSurvivesRestart(): Invariant<ChainView> {
  const last = new Map<string, { incarnation: number; committed: ReadonlySet<string> }>();
  const epochs = new DiskFaultEpochs();
  return {
    name: 'committed-survives-restart',
    check(ctx) {
      for (const n of honest(ctx)) {
        const prev = last.get(n.id);
        const faulted = epochs.restartedOnFaultedDisk(n);
        if (prev !== undefined && prev.incarnation !== n.incarnation && !faulted) {
          for (const h of prev.committed) if (!n.view.committed.has(h)) return `${n.id} lost committed block ${h.slice(0, 12)} across a restart`;
        }
        last.set(n.id, { incarnation: n.incarnation, committed: n.view.committed });
      }
      return undefined;
    },
  };
}

/**
 * After the last fault heals, in every liveness window until the end: every honest node that is up
 * gets at least 3 blocks further, all of them on one head (the same hash), and, with a miner,
 * every one's finalized height passes the last mark.
 */
export function chainLiveness(opts: InvariantOptions): Invariant<ChainView> {
  const minerOn = opts.scenario.chain.minerEveryMs > 0;
  const windows = new ProgressWindows(opts.livenessWindowMs);
  let mark: { head: number; final: number } | undefined;
  let last: { nodes: Ctx['nodes']; describe: () => string } | undefined;
  return {
    name: 'liveness',
    check(ctx) {
      if (!windows.active(ctx)) return undefined;
      // Nothing happened since the last check: no progress now (had there been, the mark moved to it).
      if (last !== undefined && ctx.nodes === last.nodes) return windows.observe(ctx, false, last.describe);
      const up = ctx.nodes.filter((n) => !n.byzantine && n.up);
      const views = honest(ctx).map((n) => n.view);
      const ready = up.length > 0 && views.length === up.length;
      const heads = views.map((v) => v.headHeight);
      const finals = views.map((v) => v.finalized.length - 1);
      mark ??= { head: Math.max(0, ...heads), final: Math.max(0, ...finals) };
      const m = mark;
      const advanced = ready && heads.every((h) => h >= m.head + 3);
      const converged = ready && views.every((v) => v.headHash === views[0]?.headHash);
      const finalized = !minerOn || (ready && finals.every((f) => f > m.final));
      const progressed = advanced && converged && finalized;
      if (progressed) mark = { head: Math.max(...heads), final: Math.max(...finals) };
      // The mark as it stands when the message is made (it moves only with progress, and then none is made).
      const describe = (): string => {
        const now = mark ?? m;
        return `${views.length}/${up.length} up nodes recovered, heads ${heads.join(',')} (needed >= ${now.head + 3}), one head hash ${converged}, finalized ${finals.join(',')} (needed > ${now.final}${minerOn ? '' : ', no miner'})`;
      };
      last = { nodes: ctx.nodes, describe };
      return windows.observe(ctx, progressed, describe);
    },
  };
}

/**
 * At most one block is accepted per slot, across all honest nodes: an honest authority approves one
 * block per slot, and two quorums share an honest authority while at most floor((n-1)/3) are
 * Byzantine. With more Byzantine authorities than that, this is the first thing to break.
 */
export function uniqueAcceptedPerSlot(): Invariant<ChainView> {
  const bySlot = new Map<number, string>();
  const cursor = new AppendCursor();
  return {
    name: 'unique-accepted-per-slot',
    check(ctx) {
      for (const n of honest(ctx)) {
        const problem = cursor.scan(n.id, n.incarnation, n.view.accepted, (r) => {
          const hash = toHex(r.hash);
          const first = bySlot.get(r.slot);
          if (first === undefined) bySlot.set(r.slot, hash);
          else if (first !== hash) return `slot ${r.slot}: ${first.slice(0, 12)} and, on ${n.id}, ${hash.slice(0, 12)} were both accepted`;
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/**
 * A node produced only when it was synced, or catching up above 99.5 % of the best chain it could
 * have known, judged by the ground truth: the honest heads that could reach it (through any chain of
 * uncut links), not the node's own view of them (which is empty after a restart). A block still in
 * flight cannot be known, so the truth is taken as it was two slots before the check that saw the
 * production.
 */
export function productionOnlyWhenSynced(opts: InvariantOptions): Invariant<ChainView> {
  const cursor = new AppendCursor();
  const history: Array<{ at: number; truth: ReadonlyMap<string, number> }> = [];
  const truthOf = groundTruthMemo();
  let lagMs: number | undefined;
  let lastNodes: Ctx['nodes'] | undefined;
  return {
    name: 'production-above-threshold',
    check(ctx) {
      // Nothing happened since the last check: no production to judge, no new truth to record.
      if (ctx.nodes === lastNodes) return undefined;
      lastNodes = ctx.nodes;
      const live = honest(ctx);
      lagMs ??= 2 * chainSetup(opts.scenario, ctx.nodes.map((n) => n.id)).spec.slotDurationMs;
      while (history.length > 1 && (history[1] as (typeof history)[number]).at <= ctx.now - lagMs) history.shift();
      const then = history[0] !== undefined && history[0].at <= ctx.now - lagMs ? history[0].truth : undefined;
      for (const n of live) {
        const best = then?.get(n.id);
        const problem = cursor.scan(n.id, n.incarnation, n.view.productions, (p) => {
          const head = p.height - 1;
          // One block behind is what a single lost gossip message leaves (the next block repairs it):
          // the threshold guards against producing while really behind, not against a lossy link.
          if (best === undefined || best <= head + 1 || head / best >= 0.995) return undefined;
          return `${n.id} produced at height ${p.height} while the honest chain that could reach it was at ${best} ${lagMs} ms earlier (it believed ${p.bestSeen})`;
        });
        if (problem !== undefined) return problem;
      }
      // A truth the same as the last one recorded adds nothing: the lookup above finds the latest
      // entry at least lagMs old, and the first of a run of equal truths gives the same answer.
      const truth = truthOf(ctx, live);
      if (history[history.length - 1]?.truth !== truth) history.push({ at: ctx.now, truth });
      return undefined;
    },
  };
}

/**
 * groundTruth, recomputed only when its inputs changed: the live nodes' heads or the network's cuts
 * (the checks run every few virtual milliseconds, the heads move once a slot).
 */
function groundTruthMemo(): (ctx: Ctx, live: ReadonlyArray<{ id: string; view: ChainView }>) => ReadonlyMap<string, number> {
  let last: { cuts: number | undefined; ids: string[]; heads: number[]; truth: Map<string, number> } | undefined;
  return (ctx, live) => {
    const l = last;
    if (
      l !== undefined &&
      ctx.cutsVersion !== undefined &&
      l.cuts === ctx.cutsVersion &&
      l.ids.length === live.length &&
      live.every((n, i) => l.ids[i] === n.id && l.heads[i] === n.view.headHeight)
    ) {
      return l.truth;
    }
    const truth = groundTruth(ctx, live);
    last = { cuts: ctx.cutsVersion, ids: live.map((n) => n.id), heads: live.map((n) => n.view.headHeight), truth };
    return truth;
  };
}

/**
 * For each honest node, up or down, the highest head of a live honest node that can reach it over
 * uncut links (its own included): a node just restarted is judged by what its peers held while it
 * was down, not by nothing.
 */
function groundTruth(ctx: Ctx, live: ReadonlyArray<{ id: string; view: ChainView }>): Map<string, number> {
  const linked = ctx.linked ?? (() => true);
  const out = new Map<string, number>();
  for (const id of ctx.nodes.filter((n) => !n.byzantine).map((n) => n.id)) {
    const reached = new Set([id]);
    const frontier = [id];
    let best = live.find((n) => n.id === id)?.view.headHeight ?? 0;
    while (frontier.length > 0) {
      const to = frontier.pop() as string;
      for (const m of live) {
        if (reached.has(m.id) || !linked(m.id, to)) continue;
        reached.add(m.id);
        frontier.push(m.id);
        best = Math.max(best, m.view.headHeight);
      }
    }
    out.set(id, best);
  }
  return out;
}

/**
 * The sync status a node reports (its status line, its metrics) agrees with its chain: the current
 * height is the head, the target is never below it, and "can produce" is what the 99.5 % rule says.
 */
export function syncStatusConsistent(opts: InvariantOptions): Invariant<ChainView> {
  let spec: ChainSpec | undefined;
  let lastNodes: Ctx['nodes'] | undefined;
  return {
    name: 'sync-status-consistent',
    check(ctx) {
      // Nothing happened since the last check, which passed: only the clock moved, and the one
      // bound that reads it (the slots the chain has had) only grows with it.
      if (ctx.nodes === lastNodes) return undefined;
      lastNodes = ctx.nodes;
      spec ??= chainSetup(opts.scenario, ctx.nodes.map((n) => n.id)).spec;
      // A chain has at most one block a slot: a target above the current slot (a minute of clock
      // skew allowed) is a height no peer can have, taken from a lie.
      const possible = slotAt(defaultEpochMs + ctx.now + 60_000, spec);
      for (const n of honest(ctx)) {
        const s = n.view.sync;
        if (s.currentHeight !== n.view.headHeight) return `${n.id} reports sync at ${s.currentHeight} with its head at ${n.view.headHeight}`;
        if (s.targetHeight < s.currentHeight) return `${n.id} reports a sync target ${s.targetHeight} below its height ${s.currentHeight}`;
        if (s.targetHeight > possible) return `${n.id} reports a sync target ${s.targetHeight} above the ${possible} slots the chain has had`;
        const allowed = s.targetHeight <= s.currentHeight || s.currentHeight / s.targetHeight >= 0.995;
        if (s.canProduce && !allowed) return `${n.id} reports it can produce at ${s.currentHeight} of ${s.targetHeight}`;
        if (s.state === 'synced' && s.targetHeight > s.currentHeight) return `${n.id} reports synced at ${s.currentHeight} of ${s.targetHeight}`;
      }
      return undefined;
    },
  };
}

/**
 * No honest node ever bans (and so disconnects) another honest node: honest nodes relay only what
 * the gossip rules accept and send only valid data, so a ban of one by another means a node blamed
 * a relay for what it forwarded, or penalised a peer for its own state.
 */
export function noHonestPeerBanned(): Invariant<ChainView> {
  return {
    name: 'no-honest-peer-banned',
    check(ctx) {
      const honestIds = new Set(ctx.nodes.filter((n) => !n.byzantine).map((n) => n.id));
      for (const n of honest(ctx)) {
        for (const b of n.view.bans ?? []) {
          if (honestIds.has(b.peer)) return `${n.id} banned honest ${b.peer} at ${b.atMs} ms until ${b.untilMs} ms: ${b.reason}`;
        }
      }
      return undefined;
    },
  };
}

/**
 * Every accepted block's execution payload extends its parent block's payload (the parent as any
 * honest node accepted it, or genesis): the execution chain never forks under the consensus chain.
 */
export function payloadExtendsParent(): Invariant<ChainView> {
  const payloads = new Map<string, { readonly hash: string; readonly number: number }>();
  const cursor = new AppendCursor();
  let seeded = false;
  return {
    name: 'payload-extends-parent',
    check(ctx) {
      if (!seeded) {
        seeded = true;
        const g = genesisBlock(0);
        payloads.set(toHex(g.hash), { hash: toHex(genesisPayload().blockHash), number: 0 });
      }
      for (const n of honest(ctx)) {
        const problem = cursor.scan(n.id, n.incarnation, n.view.accepted, (r) => {
          payloads.set(toHex(r.hash), { hash: toHex(r.payload.blockHash), number: r.payload.blockNumber });
          const parent = payloads.get(toHex(r.parentHash));
          if (parent === undefined) return undefined;
          if (parent.hash !== toHex(r.payload.parentHash)) {
            return `${n.id} accepted height ${r.height} (slot ${r.slot}) whose payload builds on ${toHex(r.payload.parentHash).slice(0, 12)}, not its parent's payload ${parent.hash.slice(0, 12)}`;
          }
          if (r.payload.blockNumber !== parent.number + 1) return `${n.id} accepted height ${r.height} with payload number ${r.payload.blockNumber} on ${parent.number}`;
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/**
 * The slot timer keeps firing: a recovered node handles a slot tick at least once per liveness
 * window (a handler may hold the actor a while on a slow engine, but a tick that was dropped stops
 * the timer for good: only the tick re-arms it).
 */
export function slotTimerFires(opts: InvariantOptions): Invariant<ChainView> {
  const last = new Map<string, { incarnation: number; ticks: number; at: number }>();
  return {
    name: 'slot-timer-fires',
    check(ctx) {
      for (const n of honest(ctx)) {
        const ticks = n.view.slotTicks ?? 0;
        const prev = last.get(n.id);
        if (prev === undefined || prev.incarnation !== n.incarnation || prev.ticks !== ticks) {
          last.set(n.id, { incarnation: n.incarnation, ticks, at: ctx.now });
          continue;
        }
        if (ctx.now - prev.at > opts.livenessWindowMs) return `${n.id} handled no slot tick from ${prev.at} ms to ${ctx.now} ms (${ticks} ticks in all): its slot timer stopped`;
      }
      return undefined;
    },
  };
}
