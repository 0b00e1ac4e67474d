// Read-only hooks into the kernel for checkers: every envelope's fate. The kernel calls these in the
// order things happen; a checker that sees a delivery it never saw enqueued, a delivery twice, or an
// envelope that vanished without a recorded reason has found a kernel bug.
import type { Envelope } from './message.ts';

/**
 * `stale-timer`: a tick that fired for an incarnation that failed before handling it. Timers die with
 * their incarnation, and every actor arms its own in onStart.
 */
export type DiscardReason = 'stopped' | 'node-crash' | 'failed-message' | 'stale-timer';

export interface KernelProbe {
  enqueued(actor: string, env: Envelope): void;
  delivered(actor: string, env: Envelope): void;
  /** Removed by an overflow policy (the sender was told). */
  dropped(actor: string, env: Envelope, reason: 'rejected' | 'dropped-oldest'): void;
  /** Removed because the actor or node went away (reported as dead letters). */
  discarded(actor: string, envs: readonly Envelope[], reason: DiscardReason): void;
  /** After a restart: what the new incarnation's mailbox holds. */
  restarted(actor: string, queuedIds: readonly number[]): void;
}
