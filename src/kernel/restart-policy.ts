// Restart policies as pure functions of (policy, history, rng): the supervisor asks "when may this
// child run again?" and gets a delay, or "not yet" while a circuit breaker is open. Jitter comes from
// the seeded RNG so two nodes restarting together do not retry in lockstep, reproducibly.
import type { Rng } from './rng.ts';

export type RestartPolicy =
  | { readonly kind: 'immediate' }
  | {
      readonly kind: 'backoff';
      readonly initialMs: number;
      readonly maxMs: number;
      readonly multiplier: number;
      /** 0..1: the delay is scaled by a factor drawn uniformly from [1 - jitter, 1 + jitter]. */
      readonly jitter: number;
    }
  | {
      readonly kind: 'circuit-breaker';
      /** Consecutive failures that open the circuit. */
      readonly failureThreshold: number;
      /** How long the circuit stays open before one trial restart (half-open). */
      readonly openMs: number;
      /** Running this long without failing closes the circuit again. */
      readonly resetAfterMs: number;
    };

export type SupervisionStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

export interface RestartIntensity {
  /** At most this many restarts within windowMs; one more escalates to the parent. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

/** Per-child memory the policies need. */
export interface ChildRestartState {
  consecutiveFailures: number;
  lastRestartAt: number;
  lastFailureAt: number;
}

export const freshRestartState = (): ChildRestartState => ({
  consecutiveFailures: 0,
  lastRestartAt: Number.NEGATIVE_INFINITY,
  lastFailureAt: Number.NEGATIVE_INFINITY,
});

export interface RestartDecision {
  readonly delayMs: number;
  /** True when a circuit breaker has just opened (reported as a system event). */
  readonly circuitOpened: boolean;
}

/** Records a failure at `now` and decides the delay before the next start. */
export function decideRestart(
  policy: RestartPolicy,
  state: ChildRestartState,
  now: number,
  rng: Rng,
): RestartDecision {
  const resetAfter = policy.kind === 'circuit-breaker' ? policy.resetAfterMs : resetWindow(policy);
  // A child that ran long enough since its last restart starts its failure count over.
  if (now - state.lastRestartAt >= resetAfter) state.consecutiveFailures = 0;
  state.consecutiveFailures++;
  state.lastFailureAt = now;
  switch (policy.kind) {
    case 'immediate':
      return { delayMs: 0, circuitOpened: false };
    case 'backoff': {
      const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (state.consecutiveFailures - 1));
      const factor = 1 + policy.jitter * (2 * rng.next() - 1);
      return { delayMs: Math.max(0, Math.round(base * factor)), circuitOpened: false };
    }
    case 'circuit-breaker': {
      const open = state.consecutiveFailures >= policy.failureThreshold;
      return { delayMs: open ? policy.openMs : 0, circuitOpened: open };
    }
  }
}

function resetWindow(policy: RestartPolicy): number {
  return policy.kind === 'backoff' ? policy.maxMs * 4 : 1_000;
}

/** Sliding-window restart counting: returns true if one more restart exceeds the intensity. */
export function exceedsIntensity(history: number[], now: number, intensity: RestartIntensity): boolean {
  while (history.length > 0 && (history[0] as number) <= now - intensity.windowMs) history.shift();
  history.push(now);
  return history.length > intensity.maxRestarts;
}
