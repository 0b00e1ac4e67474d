// Cuts the range to sync into batches and keeps a window of them downloading from several peers at
// once, while one batch at a time is processed in order. A batch is only trusted once its first
// block links to the last block of the batch before it (and its own blocks link to each other);
// otherwise it is fetched again from another peer.
import { blockHash } from '../codec/block-codec.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { equalBytes } from '../types/hex.ts';
import { Batch } from './batch.ts';

/** `ban`: forged or unlinkable data (a Byzantine peer); otherwise the peer only had nothing to give. */
export type LinkProblem = { readonly batch: number; readonly peer: string; readonly reason: string; readonly ban: boolean };

/** Batch sizes the scheduler adapts between. */
export const MIN_BATCH = 32;
export const MAX_BATCH_SIZE = 1_024;

export interface BatchSchedulerOptions {
  readonly batchSize: number;
  /** How many batches may be downloading or waiting ahead of processing. */
  readonly window: number;
  /**
   * Wire bytes that may be held or on their way beyond the batch being processed (downloaded
   * batches, and downloads in flight at the average block size seen). Blocks download faster than
   * the execution client imports them; a window of 16 batches of full blocks held 4,000 decoded
   * blocks. The earliest batch not yet downloaded may always start, so the budget never stalls sync.
   */
  readonly maxBufferedBytes?: number;
  /** Planted bug: trust batches without checking that they link. */
  readonly trustWithoutLinking?: boolean;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class BatchScheduler {
  private readonly batches: Batch[] = [];
  /** Current size for new batches: halves after a timeout, grows back while downloads come fast. */
  private size: number;
  private nextId = 0;
  /** Height and hash of the last block processed: the anchor the next batch must link to. */
  private anchorHeight: number;
  private anchorHash: Uint8Array;
  private target: number;
  readonly batchSize: number;
  readonly window: number;
  private readonly maxBufferedBytes: number;
  private readonly trustWithoutLinking: boolean;
  /** Wire bytes and blocks of every answer accepted: the average block size that estimates downloads in flight. */
  private bytesSeen = 0;
  private blocksSeen = 0;

  constructor(anchor: { height: number; hash: Uint8Array }, target: number, o: BatchSchedulerOptions) {
    this.anchorHeight = anchor.height;
    this.anchorHash = anchor.hash;
    this.target = target;
    this.batchSize = o.batchSize;
    this.window = o.window;
    this.maxBufferedBytes = o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.trustWithoutLinking = o.trustWithoutLinking ?? false;
    this.size = o.batchSize;
    this.fill();
  }

  get currentBatchSize(): number {
    return this.size;
  }

  /**
   * Adapts the size of batches not yet cut: a batch that took longer than `slowMs` (or timed out)
   * halves it, one that came back in under a quarter of that lets it grow again, up to the
   * configured size (larger batches measured slower here: execution waits longer for the head
   * batch). Small batches keep a slow or failing link from holding up execution. `blocks`: how many
   * blocks the answer carried.
   */
  adapt(elapsedMs: number | 'timeout', slowMs: number, blocks = this.size): void {
    if (elapsedMs === 'timeout' || elapsedMs > slowMs) this.size = Math.max(MIN_BATCH, Math.floor(this.size / 2));
    // Only an answer of a full batch says a full batch is fast: the one-block tail of a growing
    // chain always comes back at once, and grew the size back past what had just timed out.
    else if (elapsedMs < slowMs / 4 && blocks >= this.size) this.size = Math.min(MAX_BATCH_SIZE, this.batchSize, this.size * 2);
  }

  /**
   * How many blocks to ask for this batch: a batch cut before a timeout halved the size asks only
   * for that many (the answer is then short, and processed() re-cuts after it). One whose transfer
   * outlasts the timeout would otherwise be asked for again, whole, forever.
   */
  requestCount(batch: Batch): number {
    return Math.min(batch.count, this.size);
  }

  get anchor(): { height: number; hash: Uint8Array } {
    return { height: this.anchorHeight, hash: this.anchorHash };
  }

  get targetHeight(): number {
    return this.target;
  }

  /** The best peer height moved on (the chain kept growing while we synced). */
  extendTo(target: number): void {
    if (target > this.target) {
      this.target = target;
      this.fill();
    }
  }

  /**
   * No peer is believed to serve above `target` any more (those that claimed more failed to give
   * it): batches above it that no one is downloading are dropped, so that the run can end there.
   */
  lowerTo(target: number): void {
    const t = Math.max(target, this.anchorHeight);
    if (t > this.target) return;
    this.target = t;
    while (this.batches.length > 0) {
      const last = this.batches[this.batches.length - 1] as Batch;
      if (last.startHeight <= t || last.state.kind !== 'awaiting-download') break;
      this.batches.pop();
    }
  }

  /** Batches waiting for a download, oldest first. */
  awaitingDownload(): Batch[] {
    return this.batches.filter((b) => b.state.kind === 'awaiting-download');
  }

  downloading(): Batch[] {
    return this.batches.filter((b) => b.state.kind === 'downloading');
  }

  find(id: number): Batch | undefined {
    return this.batches.find((b) => b.id === id);
  }

  /**
   * Whether `batch` may start downloading within the memory budget: always for the earliest batch
   * not yet downloaded (processing needs it next), otherwise while the bytes held or coming beyond
   * the head batch are under the budget.
   */
  mayDownload(batch: Batch): boolean {
    const earliest = this.batches.find((b) => b.state.kind === 'awaiting-download' || b.state.kind === 'downloading');
    return earliest === batch || this.bufferedBytes() < this.maxBufferedBytes;
  }

  /** Wire bytes held (downloaded, or processing) or on their way, beyond the head batch. */
  bufferedBytes(): number {
    const perBlock = this.blocksSeen === 0 ? 0 : this.bytesSeen / this.blocksSeen;
    let total = 0;
    for (let i = 1; i < this.batches.length; i++) {
      const s = (this.batches[i] as Batch).state;
      if (s.kind === 'downloaded' || s.kind === 'processing') total += s.bytes;
      else if (s.kind === 'downloading') total += perBlock * this.requestCount(this.batches[i] as Batch);
    }
    return total;
  }

  /** Batches cut and not yet processed. */
  get pending(): number {
    return this.batches.length;
  }

  get finished(): boolean {
    return this.anchorHeight >= this.target && this.batches.length === 0;
  }

  /**
   * Checks a downloaded batch's internal shape (heights in order, each block's parent the one before).
   * Returns a problem to penalise the peer for, or undefined. `bytes`: the answer's size on the wire.
   */
  accept(id: number, blocks: readonly SignedConsensusBlock[], bytes = 0): LinkProblem | undefined {
    const b = this.find(id);
    if (b === undefined || b.state.kind !== 'downloading') return undefined;
    const peer = b.state.peer;
    const fail = (reason: string, ban = true): LinkProblem => {
      b.retry();
      return { batch: id, peer, reason, ban };
    };
    // An honest peer whose head moved back (a reorg) can have nothing at these heights.
    if (blocks.length === 0) return fail('empty batch', false);
    if (blocks.length > b.count) return fail(`${blocks.length} blocks for a batch of ${b.count}`);
    let prevHash: Uint8Array | undefined;
    for (let i = 0; i < blocks.length; i++) {
      const m = (blocks[i] as SignedConsensusBlock).message;
      if (m.height !== b.startHeight + i) return fail(`block ${i} at height ${m.height}, expected ${b.startHeight + i}`);
      if (!this.trustWithoutLinking && prevHash !== undefined && !equalBytes(m.parentHash, prevHash)) return fail(`block at ${m.height} does not link to ${m.height - 1}`);
      prevHash = blockHash(m);
    }
    b.downloaded(blocks, bytes);
    this.bytesSeen += bytes;
    this.blocksSeen += blocks.length;
    return undefined;
  }

  timedOut(id: number): string | undefined {
    const b = this.find(id);
    if (b === undefined || b.state.kind !== 'downloading') return undefined;
    const peer = b.state.peer;
    b.retry();
    return peer;
  }

  /**
   * The next batch to process, in order, if it has arrived and links to the anchor (it stays
   * downloaded until begin() is called). A batch that arrived but does not link is sent back for
   * another download and reported.
   */
  nextToProcess(): { batch: Batch; blocks: readonly SignedConsensusBlock[] } | LinkProblem | undefined {
    const b = this.batches[0];
    if (b === undefined || b.state.kind !== 'downloaded') return undefined;
    const first = (b.state.blocks[0] as SignedConsensusBlock).message;
    if (!this.trustWithoutLinking && !equalBytes(first.parentHash, this.anchorHash)) {
      const peer = b.state.peer;
      b.retry();
      return { batch: b.id, peer, reason: `batch at ${b.startHeight} does not link to the block at ${this.anchorHeight}`, ban: true };
    }
    return { batch: b, blocks: b.state.blocks };
  }

  /** Processing of the head batch starts (it was returned by nextToProcess). */
  begin(batch: Batch): readonly SignedConsensusBlock[] {
    if (this.batches[0] !== batch) throw new Error(`batch ${batch.id} is not next in order`);
    return batch.startProcessing();
  }

  /** The head batch was executed and persisted up to `last` (maybe fewer blocks than asked). */
  processed(id: number, last: { height: number; hash: Uint8Array }): void {
    const b = this.batches[0];
    if (b === undefined || b.id !== id) throw new Error(`batch ${id} is not the one being processed`);
    b.done();
    this.batches.shift();
    this.anchorHeight = last.height;
    this.anchorHash = last.hash;
    if (last.height < b.endHeight) {
      // The peer had fewer blocks than the batch asked for: re-cut from the new anchor.
      this.batches.length = 0;
    }
    this.fill();
  }

  private fill(): void {
    let next = this.batches.length === 0 ? this.anchorHeight + 1 : (this.batches[this.batches.length - 1] as Batch).endHeight + 1;
    while (this.batches.length < this.window && next <= this.target) {
      // Slow start (parallel sync only): the first batches are small so that execution, the stage
      // that bounds sync, starts after one small download instead of a full batch (32, 64, 128, …).
      const cap = this.window > 1 ? MIN_BATCH * 2 ** Math.min(this.nextId, 10) : this.size;
      const count = Math.min(this.size, cap, this.target - next + 1);
      this.batches.push(new Batch(this.nextId++, next, count));
      next += count;
    }
  }
}
