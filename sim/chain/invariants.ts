// The chain's invariants, checked by code on every step of a run.
import type { ChainView } from '../../src/chain/chain-view.ts';
import { approvalMessage, approvalThreshold, proposalMessage } from '../../src/consensus/approvals.ts';
import type { InvariantOptions } from '../app.ts';
import type { CheckContext, Invariant, NodeSnapshot } from '../chaos/invariant.ts';
import { AppendCursor } from '../chaos/append-cursor.ts';
import { toHex } from '../../src/types/hex.ts';
import { chainSetup } from './setup.ts';

type Ctx = CheckContext<ChainView>;

const honest = (ctx: Ctx): Array<NodeSnapshot<ChainView> & { view: ChainView }> =>
  ctx.nodes.filter((n): n is NodeSnapshot<ChainView> & { view: ChainView } => !n.byzantine && n.view !== undefined && n.view.recovered);

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

/** No two honest nodes ever finalize different blocks at one height. */
export function finalizedAgreement(): Invariant<ChainView> {
  const byHeight: string[] = [];
  const cursor = new AppendCursor();
  return {
    name: 'finalized-agreement',
    check(ctx) {
      for (const n of honest(ctx)) {
        const problem = cursor.scan(n.id, n.incarnation, n.view.finalized, (hash, h) => {
          const first = byHeight[h];
          if (first === undefined) byHeight[h] = hash;
          else if (first !== hash) return `height ${h} finalized as ${first.slice(0, 12)} and, on ${n.id}, as ${hash.slice(0, 12)}`;
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/** A node's finalized height never goes down, not even across a crash and restart. */
export function finalizedNeverReverted(): Invariant<ChainView> {
  const high = new Map<string, number>();
  const epochs = new DiskFaultEpochs();
  return {
    name: 'finalized-never-reverted',
    check(ctx) {
      for (const n of honest(ctx)) {
        const h = n.view.finalized.length - 1;
        // A restart on a faulted disk may have lost the finalized block's record: finality is learned again.
        if (epochs.restartedOnFaultedDisk(n)) high.set(n.id, h);
        const before = high.get(n.id) ?? 0;
        if (h < before) return `${n.id} finalized height went from ${before} back to ${h}`;
        high.set(n.id, h);
      }
      return undefined;
    },
  };
}

/** Every accepted block was signed by its slot's proposer and approved by a quorum. */
export function acceptedBySlotProposer(opts: InvariantOptions): Invariant<ChainView> {
  const cursor = new AppendCursor();
  return {
    name: 'accepted-by-slot-proposer',
    check(ctx) {
      const { spec, scheme } = chainSetup(opts.scenario, ctx.nodes.map((n) => n.id));
      const n = spec.authorities.length;
      for (const node of honest(ctx)) {
        const problem = cursor.scan(node.id, node.incarnation, node.view.accepted, (r) => {
          if (r.proposerIndex !== r.slot % n) return `${node.id} accepted height ${r.height} slot ${r.slot} from authority ${r.proposerIndex}, not the slot's proposer ${r.slot % n}`;
          if (!scheme.verify(spec.authorities[r.proposerIndex] as Uint8Array, proposalMessage(r.hash), r.signature)) {
            return `${node.id} accepted height ${r.height} whose proposer signature does not verify`;
          }
          if (r.approvalSigners.length < approvalThreshold(n)) return `${node.id} accepted height ${r.height} with ${r.approvalSigners.length} approvals`;
          const keys = r.approvalSigners.map((k) => spec.authorities[k] as Uint8Array);
          if (!scheme.verifyAggregate(keys, approvalMessage(r.hash), r.approvalSignature)) return `${node.id} accepted height ${r.height} with bad approvals`;
          return undefined;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
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

/** After the last fault heals: heads advance, finality advances, and honest heads converge. */
export function chainLiveness(opts: InvariantOptions): Invariant<ChainView> {
  const minerOn = opts.scenario.chain.minerEveryMs > 0;
  let baseHead: number | undefined;
  let baseFinal = 0;
  let satisfied = false;
  return {
    name: 'liveness',
    check(ctx) {
      if (ctx.healedAt === undefined || satisfied) return undefined;
      const live = honest(ctx);
      if (baseHead === undefined) {
        baseHead = Math.max(0, ...live.map((n) => n.view.headHeight));
        baseFinal = Math.max(0, ...live.map((n) => n.view.finalized.length - 1));
      }
      const heads = live.map((n) => n.view.headHeight);
      const advanced = live.length > 0 && heads.every((h) => h >= (baseHead as number) + 3);
      const converged = Math.max(...heads) - Math.min(...heads) <= 2;
      const finalized = !minerOn || live.every((n) => n.view.finalized.length - 1 > baseFinal);
      if (advanced && converged && finalized) {
        satisfied = true;
        return undefined;
      }
      if (ctx.final || ctx.now > ctx.healedAt + opts.livenessWindowMs) {
        return `after the faults healed at ${ctx.healedAt} ms: heads ${heads.join(',')} (needed > ${(baseHead as number) + 2}), converged ${converged}, finality advanced ${finalized}`;
      }
      return undefined;
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

/** A node produced only when sync allowed it: synced, or catching up above 99.5 % of the best chain it knew. */
export function productionOnlyWhenSynced(): Invariant<ChainView> {
  const cursor = new AppendCursor();
  return {
    name: 'production-above-threshold',
    check(ctx) {
      for (const n of honest(ctx)) {
        const problem = cursor.scan(n.id, n.incarnation, n.view.productions, (p) => {
          const head = p.height - 1;
          return p.bestSeen <= head || head / p.bestSeen >= 0.995 ? undefined : `${n.id} produced at height ${p.height} while the chain it knew was at ${p.bestSeen}`;
        });
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
  };
}

/**
 * The sync status a node reports (its status line, its metrics) agrees with its chain: the current
 * height is the head, the target is never below it, and "can produce" is what the 99.5 % rule says.
 */
export function syncStatusConsistent(): Invariant<ChainView> {
  return {
    name: 'sync-status-consistent',
    check(ctx) {
      for (const n of honest(ctx)) {
        const s = n.view.sync;
        if (s.currentHeight !== n.view.headHeight) return `${n.id} reports sync at ${s.currentHeight} with its head at ${n.view.headHeight}`;
        if (s.targetHeight < s.currentHeight) return `${n.id} reports a sync target ${s.targetHeight} below its height ${s.currentHeight}`;
        const allowed = s.targetHeight <= s.currentHeight || s.currentHeight / s.targetHeight >= 0.995;
        if (s.canProduce && !allowed) return `${n.id} reports it can produce at ${s.currentHeight} of ${s.targetHeight}`;
        if (s.state === 'synced' && s.targetHeight > s.currentHeight) return `${n.id} reports synced at ${s.currentHeight} of ${s.targetHeight}`;
      }
      return undefined;
    },
  };
}
