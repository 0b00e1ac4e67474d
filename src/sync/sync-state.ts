// The sync state machine, explicit: Discovering → DownloadingBlocks(current, target) →
// CatchingUp(blocks behind; production allowed above the threshold) → Synced, and Failed (recoverable)
// from anywhere. Transitions are functions; an illegal one throws, so a bug cannot leave sync in a
// state nobody expects (the Rust Alys's "stuck on a timeout" started that way).
export type SyncState =
  | { readonly kind: 'discovering' }
  | { readonly kind: 'downloading'; readonly current: number; readonly target: number }
  | { readonly kind: 'catching-up'; readonly current: number; readonly target: number }
  | { readonly kind: 'synced'; readonly height: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly recoverable: boolean; readonly current: number };

export interface SyncProgress {
  readonly state: SyncState['kind'];
  readonly currentHeight: number;
  readonly targetHeight: number;
  readonly blocksPerSec: number;
  readonly peerCount: number;
  readonly lastCheckpoint: number | undefined;
  readonly canProduce: boolean;
  /** Why the run failed, while state is 'failed' (the operator's log names it). */
  readonly failure?: string;
}

export class IllegalSyncTransition extends Error {
  constructor(from: SyncState['kind'], to: SyncState['kind']) {
    super(`illegal sync transition ${from} -> ${to}`);
    this.name = 'IllegalSyncTransition';
  }
}

/** How far behind counts as "catching up" rather than downloading. */
export const CATCH_UP_BLOCKS = 32;

/** The state for being at `current` with the best peer at `target`. */
export function stateFor(current: number, target: number, threshold = 0.995): SyncState {
  if (target <= current) return { kind: 'synced', height: current };
  if (target - current <= CATCH_UP_BLOCKS || current / target >= threshold) return { kind: 'catching-up', current, target };
  return { kind: 'downloading', current, target };
}

const legal: Record<SyncState['kind'], readonly SyncState['kind'][]> = {
  discovering: ['downloading', 'catching-up', 'synced', 'failed', 'discovering'],
  downloading: ['downloading', 'catching-up', 'synced', 'failed', 'discovering'],
  'catching-up': ['catching-up', 'downloading', 'synced', 'failed', 'discovering'],
  synced: ['synced', 'catching-up', 'downloading', 'failed', 'discovering'],
  failed: ['discovering', 'failed'],
};

export function transition(from: SyncState, to: SyncState): SyncState {
  if (!legal[from.kind].includes(to.kind)) throw new IllegalSyncTransition(from.kind, to.kind);
  return to;
}

export function heightOf(s: SyncState): number {
  switch (s.kind) {
    case 'discovering':
      return 0;
    case 'synced':
      return s.height;
    default:
      return s.current;
  }
}

/**
 * Production may start before sync is complete: once we hold at least `threshold` (default 99.5 %)
 * of the best known chain, as the design asks. Never while discovering, downloading far behind, or failed.
 */
export function canProduce(s: SyncState, threshold: number): boolean {
  switch (s.kind) {
    case 'synced':
      return true;
    case 'catching-up':
      return s.target === 0 || s.current / s.target >= threshold;
    default:
      return false;
  }
}
