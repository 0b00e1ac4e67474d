// SyncActor: brings the node from its last checkpoint to the best peer's height. Parallel strategy:
// batches (256 by default) download from several peers at once within a window, each batch's
// signatures are checked on the validation pool as soon as it arrives, execution runs in order on
// the execution client, and every stage overlaps the others. Sequential strategy (the legacy one):
// one peer, one batch of 1024 at a time, stop at the first error. Progress is reported as a
// SyncProgress; a checkpoint is persisted every N blocks so that a restart resumes from there.
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import { blockHash } from '../codec/block-codec.ts';
import type { Clock } from '../io/clock.ts';
import { BatchScheduler, DEFAULT_MAX_BUFFERED_BYTES } from '../sync/batch-scheduler.ts';
import { PeerManager } from '../sync/peer-manager.ts';
import { decodeSync, encodeSync } from '../sync/range-protocol.ts';
import { type SyncProgress, type SyncState, canProduce, heightOf, stateFor, transition } from '../sync/sync-state.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';

export type SyncStrategy = 'parallel' | 'sequential';

export interface SyncConfig {
  readonly strategy: SyncStrategy;
  readonly batchSize: number;
  /** Batches downloading or waiting ahead of execution. */
  readonly window: number;
  /** Wire bytes of blocks that may be held or downloading ahead of the batch being executed. */
  readonly maxBufferedBytes: number;
  readonly maxInFlightPerPeer: number;
  readonly requestTimeoutMs: number;
  readonly checkpointEvery: number;
  readonly productionThreshold: number;
}

export const parallelDefaults: SyncConfig = {
  strategy: 'parallel',
  batchSize: 256,
  window: 16,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  maxInFlightPerPeer: 2,
  requestTimeoutMs: 10_000,
  checkpointEvery: 100,
  productionThreshold: 0.995,
};

// The legacy strategy asks one peer for 1,024 blocks at a time and stops at its first error: 1,024
// blocks of 100 transfers each are 14 MB, about 70 s at 400 KB/s (measured), so 120 s failed a
// 5,000-block real sync outright; a baseline that fails measures nothing.
export const sequentialDefaults: SyncConfig = { ...parallelDefaults, strategy: 'sequential', batchSize: 1_024, window: 1, maxInFlightPerPeer: 1, requestTimeoutMs: 300_000 };

export interface SyncDeps {
  readonly config: SyncConfig;
  readonly clock: Clock;
  readonly send: (peer: string, bytes: Uint8Array) => void;
  /** Signature checks for a batch; resolves true when every block verifies. Runs on the pool. */
  readonly validate: (blocks: readonly SignedConsensusBlock[]) => Promise<boolean>;
  /** Executes one block on the execution client, in order (newPayload). */
  readonly execute: (block: SignedConsensusBlock) => Promise<'valid' | 'invalid' | 'unavailable'>;
  /**
   * Moves the execution client's head to an executed block (forkchoiceUpdated). The sequential
   * strategy does it after every block, as the legacy import path did; the parallel one once per
   * batch, since the execution client accepts a run of new payloads and one head update at its end.
   */
  readonly commit: (block: SignedConsensusBlock) => Promise<'valid' | 'invalid' | 'unavailable'>;
  /**
   * Persists executed blocks (the chain adopts them, in one synced write): what a restart resumes
   * from. Only once it resolves do they count as processed, and as the last checkpoint passed.
   */
  readonly persist: (blocks: readonly SignedConsensusBlock[]) => Promise<void>;
  readonly onProgress: (p: SyncProgress) => void;
  /** What the pipeline is waiting on, after every message it handles (for status and the checkers). */
  readonly publish?: (a: SyncActivity) => void;
  readonly sometimes: (probe: string) => void;
  /** Planted bugs (sync-trust-unlinked, sync-strict-peer-exclusion, …); none in production. */
  readonly bugs?: BugSwitches;
}

/**
 * What will move the pipeline on. While behind its target, a healthy pipeline always has a request
 * in flight (each with its timeout), a timer set, or an answer awaited from the validation pool or
 * the execution client; with none of these it would wait on nothing.
 */
export interface SyncActivity {
  readonly progress: SyncProgress;
  readonly requestsInFlight: number;
  /** When the pipeline's own timer (retry after a back-off, recovery, recheck) fires, if one is set. */
  readonly wakeAt: number | undefined;
  /** Batches at the validation pool, plus one when a batch is executing. */
  readonly awaiting: number;
  /** Batches cut and not yet processed. */
  readonly pendingBatches: number;
  /** Counts the pipeline's starts (and recoveries): within one, its height never moves back. */
  readonly generation: number;
}

export type SyncMsg =
  | { readonly type: 'start'; readonly anchor: { height: number; hash: Uint8Array }; readonly peers: ReadonlyArray<{ id: string; height: number }> }
  | { readonly type: 'peer-height'; readonly peer: string; readonly height: number }
  | { readonly type: 'inbound'; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'timeout'; readonly batch: number; readonly requestId: number }
  | { readonly type: 'validated'; readonly batch: number; readonly token: number; readonly ok: boolean }
  /** `generation` tells a batch of an earlier start (or recovery) from one of the current run. */
  | { readonly type: 'executed'; readonly generation: number; readonly batch: number; readonly last: { height: number; hash: Uint8Array } | undefined; readonly error?: string }
  | { readonly type: 'recover' }
  /** The pipeline's own timer: a peer's back-off is over, or time to look for a peer again. */
  | { readonly type: 'wake'; readonly token: number }
  | Ask<{ readonly type: 'progress' }, SyncProgress>;

export const syncActorName = 'sync';
const RECOVER_AFTER_MS = 5_000;
/**
 * With batches to fetch and no peer to ask (all backing off, busy, or not yet high enough), the
 * pipeline looks again at the end of the shortest back-off, and at least this often: it never
 * depends on a peer's status arriving to move on.
 */
const RECHECK_MS = 2_000;

export function syncActor(d: SyncDeps): ActorSpec<SyncMsg> {
  return actor<SyncMsg>({
    name: syncActorName,
    mailbox: { capacity: 65_536, overflow: 'reject' },
    create: (ctx) => {
      const node = new SyncNode(ctx, d);
      node.publish();
      return node.behavior();
    },
  });
}

class SyncNode {
  private state: SyncState = { kind: 'discovering' };
  private scheduler: BatchScheduler | undefined;
  private readonly peers: PeerManager;
  private readonly requests = new Map<number, { batch: number; peer: string; sentAt: number; startHeight: number }>();
  private nextRequest = 1;
  private readonly validated = new Map<number, boolean>();
  /**
   * The download of each batch whose verdict is awaited. A batch is fetched again (it did not link,
   * a peer timed out) while the pool still checks the blocks of an earlier download: that verdict
   * is not the new blocks' (a validly signed fork's "valid" let a forged tip through unchecked).
   */
  private readonly validations = new Map<number, number>();
  private nextValidation = 0;
  private executing = false;
  private lastCheckpoint: number | undefined;
  private startedAt = 0;
  private startHeight = 0;
  private generation = 0;
  private validating = 0;
  private wakeAt: number | undefined;
  private wakeToken = 0;
  /** When the recovery timer after a failed batch fires, while one is set. */
  private recoverAt: number | undefined;

  constructor(
    private readonly ctx: ActorContext<SyncMsg>,
    private readonly d: SyncDeps,
  ) {
    this.peers = new PeerManager(d.config.maxInFlightPerPeer, d.bugs?.has('sync-trust-unserved-claims') === true);
  }

  private bug(name: string): boolean {
    return this.d.bugs?.has(name) === true;
  }

  behavior() {
    const handlers = this.handlers();
    // Every message may change what the pipeline waits on: publish it after each one.
    const published = Object.fromEntries(
      Object.entries(handlers).map(([k, h]) => [
        k,
        (m: never) => {
          const r = (h as (m: never) => unknown)(m);
          this.publish();
          return r;
        },
      ]),
    ) as typeof handlers;
    return { handlers: published };
  }

  publish(): void {
    this.d.publish?.({
      progress: this.progress(),
      requestsInFlight: this.requests.size,
      wakeAt: this.recoverAt === undefined ? this.wakeAt : Math.min(this.recoverAt, this.wakeAt ?? Number.POSITIVE_INFINITY),
      awaiting: this.validating + (this.executing ? 1 : 0),
      pendingBatches: this.scheduler?.pending ?? 0,
      generation: this.generation,
    });
  }

  private handlers() {
    return {
      start: (m: Extract<SyncMsg, { type: 'start' }>) => {
        // Started again (the chain fell behind again, or after a failure): from the new anchor.
        if (this.state.kind === 'failed') this.setState({ kind: 'discovering' });
        this.requests.clear();
        this.validated.clear();
        this.validations.clear();
        this.generation++;
        // A new run believes every peer's claim again: one that failed us before may serve now.
        this.peers.forgetUnserved();
        for (const p of m.peers) this.peers.upsert(p.id, p.height);
        this.scheduler = this.newScheduler(m.anchor);
        this.startedAt = this.d.clock.now();
        this.startHeight = m.anchor.height;
        this.setState(this.measured(m.anchor.height, this.peers.bestHeight()));
        this.pump();
      },
      'peer-height': (m: { peer: string; height: number }) => this.onPeerHeight(m.peer, m.height),
      inbound: (m: { from: string; bytes: Uint8Array }) => this.onInbound(m.from, m.bytes),
      timeout: (m: { batch: number; requestId: number }) => {
        const req = this.requests.get(m.requestId);
        if (req === undefined) return;
        this.requests.delete(m.requestId);
        this.scheduler?.timedOut(m.batch);
        this.scheduler?.adapt('timeout', this.d.config.requestTimeoutMs / 2);
        // The peer is charged even when its batch was re-cut meanwhile (a shorter batch before it
        // ended the old cut): it still owes an answer, and its request slot must be given back.
        this.peers.timedOut(req.peer, this.d.clock.now(), req.startHeight);
        this.d.sometimes('sync.request-timed-out');
        if (this.stopOnError(`request to ${req.peer} timed out`)) return;
        this.followServedHeights();
        this.pump();
      },
      validated: (m: { batch: number; token: number; ok: boolean }) => {
        this.validating = Math.max(0, this.validating - 1);
        if (this.validations.get(m.batch) === m.token) {
          this.validations.delete(m.batch);
          this.validated.set(m.batch, m.ok);
        } else {
          this.d.sometimes('sync.stale-verdict-ignored');
        }
        this.pump();
      },
      executed: (m: Extract<SyncMsg, { type: 'executed' }>) => this.onExecuted(m),
      recover: () => {
        this.recoverAt = undefined;
        this.recover();
      },
      wake: (m: { token: number }) => {
        if (m.token === this.wakeToken) this.wakeAt = undefined;
        this.pump();
      },
      progress: () => this.progress(),
    };
  }

  /** Sets the pipeline's timer for `at`, unless one already fires by then. */
  private wakeBy(at: number): void {
    if (this.wakeAt !== undefined && this.wakeAt <= at) return;
    this.wakeAt = at;
    this.ctx.setTimer(Math.max(1, at - this.d.clock.now()), { type: 'wake', token: ++this.wakeToken });
  }

  /**
   * Where we stand against the best chain peers announce. Knowing no peer, we cannot tell how far
   * the chain is: discovering (no production), never "synced at our own height".
   */
  private measured(current: number, target: number): SyncState {
    if (this.peers.usable().length === 0) return { kind: 'discovering' };
    return stateFor(current, target, this.d.config.productionThreshold);
  }

  private setState(next: SyncState): void {
    this.state = transition(this.state, next);
    this.d.onProgress(this.progress());
  }

  private progress(): SyncProgress {
    // Discovering (no peer known yet) we are still where the run is anchored, not at 0.
    const current = this.state.kind === 'discovering' && this.scheduler !== undefined ? this.scheduler.anchor.height : heightOf(this.state);
    const elapsed = (this.d.clock.now() - this.startedAt) / 1000;
    return {
      state: this.state.kind,
      currentHeight: current,
      targetHeight: this.scheduler?.targetHeight ?? current,
      blocksPerSec: elapsed > 0 ? (current - this.startHeight) / elapsed : 0,
      peerCount: this.peers.usable().length,
      lastCheckpoint: this.lastCheckpoint,
      canProduce: canProduce(this.state, this.d.config.productionThreshold),
      ...(this.state.kind === 'failed' ? { failure: this.state.reason } : {}),
    };
  }

  /**
   * The target follows what peers serve: when the only peers that claimed heights above the others
   * failed to give them, the run ends at the best height a peer is still believed to serve (the
   * chain starts a new run if it is still behind by its own count of the peers' claims).
   */
  private followServedHeights(): void {
    const s = this.scheduler;
    if (s === undefined) return;
    const best = Math.max(s.anchor.height, this.peers.bestHeight());
    if (best >= s.targetHeight) return;
    s.lowerTo(best);
    this.d.sometimes('sync.target-lowered-to-served');
  }

  /** A peer announced its head (forwarded by the chain while we sync): the target may move. */
  private onPeerHeight(peer: string, height: number): void {
    this.peers.upsert(peer, height);
    this.scheduler?.extendTo(this.peers.bestHeight());
    if (this.scheduler !== undefined && this.state.kind !== 'failed') {
      // Planted bug: measures from where this run started instead of the last block processed.
      const at = this.bug('sync-status-from-start') ? this.startHeight : this.scheduler.anchor.height;
      this.setState(this.measured(at, this.scheduler.targetHeight));
    }
    this.pump();
  }

  /** A run's batches from `anchor` toward the best height peers claim, under the config's limits. */
  private newScheduler(anchor: { height: number; hash: Uint8Array }): BatchScheduler {
    const c = this.d.config;
    return new BatchScheduler(anchor, this.peers.bestHeight(), { batchSize: c.batchSize, window: c.window, maxBufferedBytes: c.maxBufferedBytes, trustWithoutLinking: this.bug('sync-trust-unlinked') });
  }

  private onInbound(from: string, bytes: Uint8Array): void {
    let m;
    try {
      m = decodeSync(bytes);
    } catch {
      this.peers.invalid(from);
      this.d.sometimes('sync.malformed-response');
      return;
    }
    // Peer heights come from the chain (its peers' status messages), not from sync frames.
    if (m.kind !== 'response') return;
    const req = this.requests.get(m.requestId);
    if (req === undefined || req.peer !== from) return;
    this.requests.delete(m.requestId);
    const s = this.scheduler as BatchScheduler;
    const problem = s.accept(req.batch, m.blocks, bytes.length);
    if (problem !== undefined && !problem.ban) {
      this.peers.timedOut(from, this.d.clock.now(), req.startHeight);
      this.d.sometimes('sync.peer-had-nothing');
      if (this.stopOnError(problem.reason)) return;
      this.followServedHeights();
    } else if (problem !== undefined) {
      this.peers.invalid(from);
      this.d.sometimes('sync.peer-banned-bad-batch');
      if (this.stopOnError(problem.reason)) return;
    } else {
      this.peers.succeeded(from, m.blocks.length, this.d.clock.now() - req.sentAt);
      if (this.d.config.strategy === 'parallel') s.adapt(this.d.clock.now() - req.sentAt, this.d.config.requestTimeoutMs / 2, m.blocks.length);
      this.validateBatch(req.batch, m.blocks);
    }
    this.pump();
  }

  /** The legacy strategy stops at the first error (and waits to be restarted); parallel retries. */
  private stopOnError(reason: string): boolean {
    if (this.d.config.strategy !== 'sequential') return false;
    this.setState({ kind: 'failed', reason, recoverable: true, current: heightOf(this.state) });
    return true;
  }

  private validateBatch(batch: number, blocks: readonly SignedConsensusBlock[]): void {
    this.validated.delete(batch);
    this.validations.delete(batch);
    // Planted bug: a downloaded batch goes on to execution without its signatures checked.
    if (this.bug('sync-skip-batch-signatures')) {
      this.validated.set(batch, true);
      return;
    }
    this.validating++;
    const token = ++this.nextValidation;
    this.validations.set(batch, token);
    this.d.validate(blocks).then(
      (ok) => this.ctx.self.tell({ type: 'validated', batch, token, ok }),
      () => this.ctx.self.tell({ type: 'validated', batch, token, ok: false }),
    );
  }

  /** Starts whatever can start: downloads into free peer slots, and the next execution. */
  private pump(): void {
    const s = this.scheduler;
    if (s === undefined || this.state.kind === 'failed') return;
    // Planted bug (the old rule): a batch's last failed peer is excluded outright, and nothing wakes
    // the pipeline when that leaves no peer.
    const strict = this.bug('sync-strict-peer-exclusion');
    const now = this.d.clock.now();
    for (const b of s.awaitingDownload()) {
      // A batch cut before the target was lowered asks only up to the target (a shorter answer is fine).
      if (b.startHeight > s.targetHeight) break;
      // Blocks held ahead of execution are bounded: processing the head batch frees them, and pumps.
      if (!s.mayDownload(b)) {
        this.d.sometimes('sync.download-held-by-memory');
        break;
      }
      const need = Math.min(b.endHeight, s.targetHeight);
      const last = [...b.failedPeers].at(-1);
      const peer = strict ? this.peers.pick(need, now, new Set(last === undefined ? [] : [last]), true) : this.peers.pick(need, now, b.failedPeers);
      if (peer === undefined) {
        // Nobody can take it now: look again when a back-off ends, and in any case soon.
        if (!strict) {
          const retry = this.peers.nextRetryAt(need, now);
          this.wakeBy(Math.min(retry ?? Number.POSITIVE_INFINITY, now + RECHECK_MS));
          this.d.sometimes('sync.waiting-for-peer');
        }
        break;
      }
      if (b.failedPeers.has(peer.id)) this.d.sometimes('sync.retried-failed-peer');
      const requestId = this.nextRequest++;
      b.startDownload(peer.id, this.d.clock.now());
      this.peers.started(peer.id);
      this.requests.set(requestId, { batch: b.id, peer: peer.id, sentAt: this.d.clock.now(), startHeight: b.startHeight });
      this.d.send(peer.id, encodeSync({ kind: 'request', requestId, startHeight: b.startHeight, count: s.requestCount(b) }));
      this.ctx.setTimer(this.d.config.requestTimeoutMs, { type: 'timeout', batch: b.id, requestId });
    }
    if (this.executing) return;
    const next = s.nextToProcess();
    if (next === undefined) {
      if (s.finished && this.state.kind !== 'synced') this.setState(this.measured(s.anchor.height, s.targetHeight));
      return;
    }
    if ('reason' in next) {
      this.peers.invalid(next.peer);
      this.d.sometimes('sync.unlinked-batch-refetched');
      if (this.stopOnError(next.reason)) return;
      this.pump();
      return;
    }
    const ok = this.validated.get(next.batch.id);
    if (ok === undefined) return; // still being validated: the verdict pumps again
    if (!ok) {
      const peer = (next.batch.state as { peer: string }).peer;
      next.batch.retry();
      this.peers.invalid(peer);
      this.d.sometimes('sync.forged-batch-refetched');
      if (this.stopOnError('a batch failed validation')) return;
      this.pump();
      return;
    }
    this.executing = true;
    const id = next.batch.id;
    const generation = this.generation;
    this.executeBatch(id, s.begin(next.batch), generation).catch((err: unknown) => {
      // The execution client, the disk or this node failed under us: report it, never leave it unhandled.
      this.ctx.self.tell({ type: 'executed', generation, batch: id, last: undefined, error: err instanceof Error ? err.message : String(err) });
    });
  }

  private async executeBatch(batch: number, blocks: readonly SignedConsensusBlock[], generation: number): Promise<void> {
    let last: { height: number; hash: Uint8Array } | undefined;
    const done: SignedConsensusBlock[] = [];
    const perBlock = this.d.config.strategy === 'sequential';
    for (const b of blocks) {
      const r = await this.d.execute(b);
      const c = r === 'valid' && perBlock ? await this.d.commit(b) : r;
      if (c !== 'valid') {
        this.ctx.self.tell({ type: 'executed', generation, batch, last, error: c });
        return;
      }
      last = { height: b.message.height, hash: blockHash(b.message) };
      done.push(b);
    }
    const tip = done[done.length - 1];
    // Planted bug: the batch's tip is handed to the execution client a second time "to be sure".
    if (this.d.bugs?.has('sync-reexecute-tip') === true && tip !== undefined) await this.d.execute(tip);
    if (!perBlock && tip !== undefined) {
      const c = await this.d.commit(tip);
      if (c !== 'valid') {
        // The blocks executed but the head did not move: redo the batch rather than persist it.
        this.ctx.self.tell({ type: 'executed', generation, batch, last: undefined, error: c });
        return;
      }
    }
    await this.d.persist(done);
    this.ctx.self.tell({ type: 'executed', generation, batch, last });
  }

  private recover(): void {
    const s = this.scheduler;
    if (s === undefined || this.state.kind !== 'failed') return;
    this.setState({ kind: 'discovering' });
    this.validated.clear();
    this.validations.clear();
    this.requests.clear();
    this.generation++;
    this.scheduler = this.newScheduler(s.anchor);
    this.setState(this.measured(s.anchor.height, this.peers.bestHeight()));
    this.d.sometimes('sync.recovered-after-failure');
    this.pump();
  }

  private onExecuted(m: Extract<SyncMsg, { type: 'executed' }>): void {
    this.executing = false;
    if (m.generation !== this.generation) {
      // A batch of a run that was restarted since: what it persisted is already in the new anchor's past.
      this.pump();
      return;
    }
    const s = this.scheduler as BatchScheduler;
    if (m.error !== undefined || m.last === undefined) {
      this.setState({ kind: 'failed', reason: `execution ${m.error ?? 'produced nothing'}`, recoverable: true, current: s.anchor.height });
      this.d.sometimes('sync.execution-failed');
      // Recoverable: start over from the last block we did execute (never from genesis), unless
      // this is the legacy strategy, which stops at the first error.
      if (this.d.config.strategy === 'parallel') {
        this.recoverAt = this.d.clock.now() + RECOVER_AFTER_MS;
        this.ctx.setTimer(RECOVER_AFTER_MS, { type: 'recover' });
      }
      return;
    }
    if (Math.floor(m.last.height / this.d.config.checkpointEvery) > Math.floor(s.anchor.height / this.d.config.checkpointEvery)) {
      this.lastCheckpoint = Math.floor(m.last.height / this.d.config.checkpointEvery) * this.d.config.checkpointEvery;
    }
    s.processed(m.batch, m.last);
    this.validated.delete(m.batch);
    this.setState(this.measured(m.last.height, s.targetHeight));
    this.pump();
  }
}
