// The toy cluster's invariants. Each factory returns a fresh stateful checker per run: safety is
// judged across the whole run (a leader seen once is remembered), liveness only after the faults heal.
import type { InvariantOptions } from '../app.ts';
import type { CheckContext, Invariant } from '../chaos/invariant.ts';
import { ProgressWindows } from '../chaos/liveness.ts';
import type { ToyView } from './view.ts';

type Ctx = CheckContext<ToyView>;

const members = (ctx: Ctx): Array<{ id: string; view: ToyView }> => {
  const out: Array<{ id: string; view: ToyView }> = [];
  for (const n of ctx.nodes) if (!n.byzantine && n.view !== undefined && n.view.recovered) out.push({ id: n.id, view: n.view });
  return out;
};

export function electionSafety(): Invariant<ToyView> {
  const leaders = new Map<number, string>();
  return {
    name: 'election-safety',
    check(ctx) {
      for (const { id, view } of members(ctx)) {
        if (view.role !== 'leader') continue;
        const seen = leaders.get(view.term);
        if (seen === undefined) leaders.set(view.term, id);
        else if (seen !== id) return `two leaders in term ${view.term}: ${seen} and ${id}`;
      }
      return undefined;
    },
  };
}

export function stateMachineSafety(): Invariant<ToyView> {
  const committed: string[] = [];
  // Per node incarnation, how far its committed prefix has been compared already: a committed
  // entry never changes, so each one is compared once per incarnation.
  const checked = new Map<string, { incarnation: number; upTo: number }>();
  return {
    name: 'state-machine-safety',
    check(ctx) {
      for (const n of ctx.nodes) {
        const view = n.view;
        if (n.byzantine || view === undefined || !view.recovered) continue;
        let c = checked.get(n.id);
        if (c === undefined || c.incarnation !== n.incarnation) {
          c = { incarnation: n.incarnation, upTo: 0 };
          checked.set(n.id, c);
        }
        if (view.commitIndex < c.upTo) c.upTo = 0;
        for (let i = c.upTo; i < view.commitIndex; i++) {
          const e = view.log[i];
          if (e === undefined) return `${n.id} claims commit index ${view.commitIndex} with only ${view.log.length} entries`;
          const first = committed[i];
          if (first === undefined) committed[i] = e.id;
          else if (first !== e.id) return `index ${i + 1} committed as ${first} and, on ${n.id}, as ${e.id}`;
        }
        c.upTo = view.commitIndex;
      }
      return undefined;
    },
  };
}

/**
 * Once committed, an entry lives on a majority of disks. So whenever a majority of members is up
 * and recovered, at least one of them holds it at its index. A replica that loses acknowledged
 * writes (a lying disk) breaks this. The whole committed log is re-checked whenever the set of live
 * replicas changes (a crash, a restart, a recovery); otherwise only new commits are.
 */
export function committedDurable(): Invariant<ToyView> {
  const committed: string[] = [];
  let lastMembers = '';
  let verifiedUpTo = 0;
  return {
    name: 'committed-durable',
    check(ctx) {
      const live = members(ctx);
      for (const { view } of live) {
        for (let i = committed.length; i < view.commitIndex; i++) committed[i] = view.log[i]?.id ?? '';
      }
      const size = ctx.nodes.filter((n) => !n.byzantine).length;
      if (live.length < Math.floor(size / 2) + 1) {
        lastMembers = '';
        return undefined;
      }
      const signature = ctx.nodes.map((n) => `${n.id}:${n.incarnation}:${n.view?.recovered === true}`).join(',');
      if (signature !== lastMembers) {
        lastMembers = signature;
        verifiedUpTo = 0;
      }
      for (let i = verifiedUpTo; i < committed.length; i++) {
        if (!live.some(({ view }) => view.log[i]?.id === committed[i])) {
          return `committed entry ${committed[i]} at index ${i + 1} is on none of the ${live.length} live replicas`;
        }
      }
      verifiedUpTo = committed.length;
      return undefined;
    },
  };
}

/**
 * After the faults heal, in every liveness window until the end: a leader, and every member that is
 * up commits past the last mark, all holding the same entry at the lowest commit index among them.
 */
export function liveness(opts: InvariantOptions): Invariant<ToyView> {
  const windows = new ProgressWindows(opts.livenessWindowMs);
  let mark: number | undefined;
  return {
    name: 'liveness',
    check(ctx) {
      if (!windows.active(ctx)) return undefined;
      const live = members(ctx);
      const up = ctx.nodes.filter((n) => !n.byzantine && n.up).length;
      mark ??= Math.max(0, ...live.map((m) => m.view.commitIndex));
      const m = mark;
      const hasLeader = live.some((x) => x.view.role === 'leader');
      const allAdvanced = live.length > 0 && live.length === up && live.every((x) => x.view.commitIndex > m);
      const low = Math.min(...live.map((x) => x.view.commitIndex));
      const converged = live.every((x) => x.view.log[low - 1]?.id === live[0]?.view.log[low - 1]?.id);
      const progressed = hasLeader && allAdvanced && converged;
      if (progressed) mark = Math.max(...live.map((x) => x.view.commitIndex));
      return windows.observe(ctx, progressed, () => {
        const behind = live.filter((x) => x.view.commitIndex <= m).map((x) => x.id);
        return `leader: ${hasLeader}, ${live.length}/${up} up members recovered, at or below commit ${m}: ${behind.join(',') || 'none'}, same entry at ${low}: ${converged}`;
      });
    },
  };
}
