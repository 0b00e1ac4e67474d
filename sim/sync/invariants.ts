// Sync's invariants, judged on the production node (n0): every block it holds or finalized is the
// source chain's, no payload goes to the execution client twice before it is committed, what it
// reported committed survives a crash and its progress never moves back, production is allowed only
// above the threshold of the real chain, sync never waits on nothing, and it completes once the
// faults heal.
import type { InvariantOptions } from '../app.ts';
import type { CheckContext, Invariant } from '../chaos/invariant.ts';
import { ProgressWindows } from '../chaos/liveness.ts';
import { toHex } from '../../src/types/hex.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import type { SyncView } from './app.ts';

type Ctx = CheckContext<SyncView>;

interface Syncer {
  readonly view: SyncView;
  readonly chain: ChainView;
  readonly incarnation: number;
}

const syncer = (ctx: Ctx): Syncer | undefined => {
  const n = ctx.nodes.find((x) => x.id === 'n0');
  const chain = n?.view?.chain;
  return n?.view === undefined || chain === undefined || !chain.recovered ? undefined : { view: n.view, chain, incarnation: n.incarnation };
};

const sourceHashes = new WeakMap<object, string[]>();
function sourceHash(v: SyncView, height: number): string | undefined {
  let list = sourceHashes.get(v.source);
  if (list === undefined) {
    list = v.source.blocks.map((b) => toHex(blockHash(b.message)));
    sourceHashes.set(v.source, list);
  }
  return list[height - 1];
}

function syncedChainEqualsSource(): Invariant<SyncView> {
  // Per accepted-record list (one per incarnation) and finalized list: how far they were checked.
  let accepted: { list: unknown; at: number } = { list: undefined, at: 0 };
  const finalized = new Map<number, string>();
  return {
    name: 'synced-chain-equals-source',
    check(ctx) {
      const s = syncer(ctx);
      if (s === undefined) return undefined;
      const c = s.chain;
      if (accepted.list !== c.accepted) accepted = { list: c.accepted, at: 0 };
      for (; accepted.at < c.accepted.length; accepted.at++) {
        const r = c.accepted[accepted.at];
        if (r !== undefined && sourceHash(s.view, r.height) !== toHex(r.hash)) return `the block committed at height ${r.height} is not the source chain's`;
      }
      for (let h = 1; h < c.finalized.length; h++) {
        const hash = c.finalized[h];
        if (hash === undefined || finalized.get(h) === hash) continue;
        if (sourceHash(s.view, h) !== hash) return `the block finalized at height ${h} is not the source chain's`;
        finalized.set(h, hash);
      }
      if (ctx.final && c.reads !== undefined) {
        for (let h = 1; h <= c.headHeight; h++) {
          const got = c.reads.block({ height: h });
          if (got === undefined) return `its head is at ${c.headHeight} but it holds no block at height ${h}`;
          if (toHex(got.hash) !== sourceHash(s.view, h)) return `the block it holds at height ${h} is not the source chain's`;
        }
      }
      return undefined;
    },
  };
}

function noDoubleExecution(): Invariant<SyncView> {
  return {
    name: 'no-double-execution',
    check(ctx) {
      const n = ctx.nodes.find((x) => x.id === 'n0');
      const twice = n?.view?.executedTwice[0];
      return twice === undefined ? undefined : `payload ${twice} was sent to the execution client twice before it was committed`;
    },
  };
}

/**
 * What the node reported committed survives a crash (it resumes from its disk at or above the
 * highest head it had published), its head never moves back while it runs, and within one run of
 * the sync pipeline the height it reports never moves back either.
 */
function progressMonotonic(): Invariant<SyncView> {
  let incarnation = -1;
  let reported = 0;
  let head = 0;
  let sync = { generation: -1, height: 0 };
  return {
    name: 'progress-never-back',
    check(ctx) {
      const s = syncer(ctx);
      if (s === undefined) return undefined;
      if (s.incarnation !== incarnation) {
        const from = s.view.resumedFrom ?? s.chain.headHeight;
        if (incarnation >= 0 && from < reported) return `restarted from height ${from}, below the head ${reported} it had reported committed`;
        incarnation = s.incarnation;
        head = from;
        sync = { generation: -1, height: 0 };
      }
      if (s.chain.headHeight < head) return `its head moved back from ${head} to ${s.chain.headHeight}`;
      head = s.chain.headHeight;
      reported = Math.max(reported, head);
      const a = s.view.activity;
      if (a !== undefined) {
        if (a.generation === sync.generation && a.progress.currentHeight < sync.height) {
          return `sync's progress moved back from ${sync.height} to ${a.progress.currentHeight} (${a.progress.state})`;
        }
        sync = { generation: a.generation, height: a.progress.currentHeight };
      }
      return undefined;
    },
  };
}

/**
 * Production is allowed only above the threshold of the chain the serving peers really have (not
 * the node's idea of it), once it has heard any peer at all (before that, a node cannot know how
 * far the chain is, and production's own gate waits for a peer after a restart). A block still in
 * flight cannot be known: as the chain app's checker does, the source is taken as it was two slots
 * before, and one block behind is allowed (a growing chain's newest block is announced up to a
 * second after it is made; seed 9 of sync-few-peers-byzantine produced at 2005 of 2015 known, 2016
 * made).
 */
function productionThreshold(opts: InvariantOptions): Invariant<SyncView> {
  const lagMs = 2 * opts.scenario.sync.growEveryMs;
  const history: Array<{ at: number; height: number }> = [];
  return {
    name: 'production-above-threshold',
    check(ctx) {
      const s = syncer(ctx);
      const now = s?.view.sourceHeight ?? ctx.nodes.find((x) => x.id === 'n0')?.view?.sourceHeight;
      if (now !== undefined && history[history.length - 1]?.height !== now) history.push({ at: ctx.now, height: now });
      while (history.length > 1 && (history[1] as (typeof history)[number]).at <= ctx.now - lagMs) history.shift();
      const p = s?.chain.sync;
      if (s === undefined || p === undefined || !p.canProduce || p.peerCount === 0) return undefined;
      const first = history[0];
      const known = first !== undefined && first.at <= ctx.now - lagMs ? first.height : s.view.sourceHeight;
      const t = opts.scenario.sync.productionThreshold;
      const h = s.chain.headHeight;
      return h + 1 >= known || h >= t * known
        ? undefined
        : `production allowed at ${h} of the source's ${known} ${lagMs} ms earlier (below ${t * 100} %; it believed the target was ${p.targetHeight}, state ${p.state}, peers ${p.peerCount})`;
    },
  };
}

/**
 * After the faults heal, in every liveness window until the end: the node is within 2 blocks of
 * the source, allowed to produce, the block at its head is the source's, and its sync pipeline has
 * ended (the node follows the chain by gossip).
 */
function syncLiveness(opts: InvariantOptions): Invariant<SyncView> {
  const windows = new ProgressWindows(opts.livenessWindowMs);
  return {
    name: 'liveness',
    check(ctx) {
      if (!windows.active(ctx)) return undefined;
      const s = syncer(ctx);
      const top = s?.chain.headHeight ?? 0;
      const same = s !== undefined && (top === 0 || s.chain.headHash === sourceHash(s.view, top));
      // Caught up means handed over to gossip: a pipeline still running at the head (waiting on a
      // peer that claimed more than it serves) keeps the node a batch behind and ignoring gossip.
      const pipeline = s?.view.activity?.progress.state;
      const handedOver = pipeline === undefined || pipeline === 'synced' || pipeline === 'failed';
      const progressed = s !== undefined && top >= s.view.sourceHeight - 2 && s.chain.sync.canProduce && same && handedOver;
      return windows.observe(ctx, progressed, () => `at ${top} of ${s?.view.sourceHeight ?? '?'} (${s?.chain.sync.state ?? 'not recovered'}; pipeline ${pipeline ?? 'not started'}), its head is the source's: ${same}`);
    },
  };
}

/**
 * Sync never waits on nothing: while the pipeline is behind its target and an honest peer really
 * is ahead, it has a request in flight (each with a timeout), a timer set, or an answer awaited
 * from the validation pool or the execution client. The legacy sequential strategy stops at its
 * first error by design, and is exempt once failed.
 */
function neverIdleWhileBehind(opts: InvariantOptions): Invariant<SyncView> {
  return {
    name: 'sync-never-idle-while-behind',
    check(ctx) {
      const s = syncer(ctx);
      const a = s?.view.activity;
      if (s === undefined || a === undefined) return undefined;
      const p = a.progress;
      if (p.state === 'failed' && opts.scenario.sync.strategy === 'sequential') return undefined;
      if (p.targetHeight <= p.currentHeight || s.view.sourceHeight <= p.currentHeight) return undefined;
      if (a.requestsInFlight > 0 || a.awaiting > 0 || a.wakeAt !== undefined) return undefined;
      return `idle while behind: at ${p.currentHeight} of ${p.targetHeight} (${p.state}, ${a.pendingBatches} batches pending) with no request in flight, no timer set and no answer awaited`;
    },
  };
}

export const syncInvariants = {
  'sync-never-idle-while-behind': neverIdleWhileBehind,
  'synced-chain-equals-source': syncedChainEqualsSource,
  'no-double-execution': noDoubleExecution,
  'progress-never-back': progressMonotonic,
  'production-above-threshold': productionThreshold,
  liveness: syncLiveness,
};
