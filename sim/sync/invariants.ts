// Sync's invariants: what ends up on disk is the source chain, no block goes to the execution
// client twice in one run of the node, progress never moves back except to a checkpoint after a
// crash, production is allowed only above the threshold, and sync completes once the faults heal.
import type { InvariantOptions } from '../app.ts';
import type { CheckContext, Invariant } from '../chaos/invariant.ts';
import { toHex } from '../../src/types/hex.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import type { SyncView } from './app.ts';

type Ctx = CheckContext<SyncView>;

const syncer = (ctx: Ctx): { view: SyncView; incarnation: number } | undefined => {
  const n = ctx.nodes.find((x) => x.id === 'n0');
  return n?.view === undefined || !n.view.recovered ? undefined : { view: n.view, incarnation: n.incarnation };
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
  const checked = new Map<number, string>();
  return {
    name: 'synced-chain-equals-source',
    check(ctx) {
      const s = syncer(ctx);
      if (s === undefined) return undefined;
      for (const [h, hash] of s.view.persisted) {
        if (checked.get(h) === hash) continue;
        if (sourceHash(s.view, h) !== hash) return `the block persisted at height ${h} is not the source chain's`;
        checked.set(h, hash);
      }
      if (ctx.final) {
        const top = s.view.progress?.currentHeight ?? 0;
        for (let h = 1; h <= top; h++) if (!s.view.persisted.has(h)) return `sync reached ${top} but height ${h} is not on disk`;
      }
      return undefined;
    },
  };
}

function noDoubleExecution(): Invariant<SyncView> {
  return {
    name: 'no-double-execution',
    check(ctx) {
      const s = syncer(ctx);
      const twice = s?.view.executedTwice[0];
      return twice === undefined ? undefined : `height ${twice} was sent to the execution client twice`;
    },
  };
}

function progressMonotonic(): Invariant<SyncView> {
  let incarnation = -1;
  let height = 0;
  let checkpoint = 0;
  return {
    name: 'progress-never-back',
    check(ctx) {
      const s = syncer(ctx);
      if (s === undefined || s.view.progress === undefined) return undefined;
      const p = s.view.progress;
      if (s.incarnation !== incarnation) {
        if (incarnation >= 0 && s.view.resumedFrom < checkpoint) {
          return `restarted from ${s.view.resumedFrom}, below the checkpoint at ${checkpoint} it had reported`;
        }
        incarnation = s.incarnation;
        height = s.view.resumedFrom;
      }
      if (p.currentHeight < height) return `progress moved back from ${height} to ${p.currentHeight}`;
      height = p.currentHeight;
      checkpoint = Math.max(checkpoint, p.lastCheckpoint ?? 0);
      return undefined;
    },
  };
}

function productionThreshold(opts: InvariantOptions): Invariant<SyncView> {
  return {
    name: 'production-above-threshold',
    check(ctx) {
      const p = syncer(ctx)?.view.progress;
      if (p === undefined || !p.canProduce || p.targetHeight === 0) return undefined;
      const t = opts.scenario.sync.productionThreshold;
      return p.currentHeight >= t * p.targetHeight ? undefined : `production allowed at ${p.currentHeight} of ${p.targetHeight} (below ${t * 100} %)`;
    },
  };
}

function syncLiveness(opts: InvariantOptions): Invariant<SyncView> {
  let satisfied = false;
  return {
    name: 'liveness',
    check(ctx) {
      if (ctx.healedAt === undefined || satisfied) return undefined;
      const s = syncer(ctx);
      const p = s?.view.progress;
      if (s !== undefined && p !== undefined && p.currentHeight >= s.view.sourceHeight - 2 && p.canProduce) {
        satisfied = true;
        return undefined;
      }
      if (ctx.final || ctx.now > ctx.healedAt + opts.livenessWindowMs) {
        return `not synced ${opts.livenessWindowMs} ms after the faults healed: at ${p?.currentHeight ?? 0} of ${s?.view.sourceHeight ?? '?'} (${p?.state ?? 'no progress'})`;
      }
      return undefined;
    },
  };
}

/**
 * Sync never waits on nothing: while n0 is behind its target and an honest peer really is ahead,
 * its pipeline has a request in flight (each with a timeout), a timer set, or an answer awaited
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
