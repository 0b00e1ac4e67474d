// One batch of a range sync, as a state machine (after Lodestar's sync/range/batch.ts):
// AwaitingDownload → Downloading(peer) → Downloaded(blocks) → Processing → Done, back to
// AwaitingDownload on a timeout or bad data, with the attempt counted and the failed peer remembered.
import type { SignedConsensusBlock } from '../types/chain.ts';

export type BatchState =
  | { readonly kind: 'awaiting-download' }
  | { readonly kind: 'downloading'; readonly peer: string; readonly since: number }
  | { readonly kind: 'downloaded'; readonly peer: string; readonly blocks: readonly SignedConsensusBlock[]; readonly bytes: number }
  | { readonly kind: 'processing'; readonly peer: string; readonly blocks: readonly SignedConsensusBlock[]; readonly bytes: number }
  | { readonly kind: 'done' };

export class BatchTransitionError extends Error {
  constructor(id: number, from: BatchState['kind'], to: BatchState['kind']) {
    super(`batch ${id}: illegal transition ${from} -> ${to}`);
    this.name = 'BatchTransitionError';
  }
}

export class Batch {
  state: BatchState = { kind: 'awaiting-download' };
  attempts = 0;
  readonly failedPeers = new Set<string>();

  constructor(
    readonly id: number,
    readonly startHeight: number,
    readonly count: number,
  ) {}

  get endHeight(): number {
    return this.startHeight + this.count - 1;
  }

  startDownload(peer: string, now: number): void {
    this.expect('awaiting-download', 'downloading');
    this.attempts++;
    this.state = { kind: 'downloading', peer, since: now };
  }

  /** `bytes`: the answer's size on the wire, what the scheduler's memory budget counts. */
  downloaded(blocks: readonly SignedConsensusBlock[], bytes: number): void {
    const s = this.expect('downloading', 'downloaded');
    this.state = { kind: 'downloaded', peer: s.peer, blocks, bytes };
  }

  startProcessing(): readonly SignedConsensusBlock[] {
    const s = this.expect('downloaded', 'processing');
    this.state = { kind: 'processing', peer: s.peer, blocks: s.blocks, bytes: s.bytes };
    return s.blocks;
  }

  done(): void {
    this.expect('processing', 'done');
    this.state = { kind: 'done' };
  }

  /** Timeout, bad data or a failed link: download it again, from someone else if possible. */
  retry(): void {
    const s = this.state;
    if (s.kind === 'done' || s.kind === 'awaiting-download') throw new BatchTransitionError(this.id, s.kind, 'awaiting-download');
    this.failedPeers.add(s.peer);
    this.state = { kind: 'awaiting-download' };
  }

  private expect<K extends BatchState['kind']>(kind: K, to: BatchState['kind']): Extract<BatchState, { kind: K }> {
    if (this.state.kind !== kind) throw new BatchTransitionError(this.id, this.state.kind, to);
    return this.state as Extract<BatchState, { kind: K }>;
  }
}
