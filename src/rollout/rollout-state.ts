// The staged Engine API V3 rollout as a pure state machine: the design's traffic shift 10 → 25 → 50
// → 75 → 90 → 100 %, each stage held for a duration behind health gates, rolled back to 0 % when a
// gate trips. Which calls use V3 is decided by block height alone, so a replay decides the same.
import type { RolloutSettings } from '../node/features.ts';

export const ROLLOUT_STAGES = [10, 25, 50, 75, 90, 100] as const;

export interface GateWindow {
  readonly startMs: number;
  readonly v3Calls: number;
  readonly v3Errors: number;
  readonly shadowMismatches: number;
  readonly payloadFailures: number;
}

export interface RolloutState {
  /** -1: 0 % (not started, or rolled back); otherwise an index into ROLLOUT_STAGES. */
  readonly stage: number;
  readonly stageSinceMs: number;
  /** Paused: no automatic advance (a tripped gate pauses when rollbackOnError is off). */
  readonly paused: boolean;
  readonly rolledBack?: { readonly atMs: number; readonly reason: string };
  readonly window: GateWindow;
  readonly rollbacks: number;
}

export type RolloutOutcome = 'v3-ok' | 'v3-error' | 'shadow-mismatch' | 'payload-failure';

const emptyWindow = (startMs: number): GateWindow => ({ startMs, v3Calls: 0, v3Errors: 0, shadowMismatches: 0, payloadFailures: 0 });

export function initialRollout(nowMs: number, startPercent: number): RolloutState {
  const stage = (ROLLOUT_STAGES as readonly number[]).indexOf(startPercent);
  return { stage, stageSinceMs: nowMs, paused: false, window: emptyWindow(nowMs), rollbacks: 0 };
}

export const rolloutPercent = (s: RolloutState): number => (s.stage < 0 ? 0 : (ROLLOUT_STAGES[s.stage] as number));

/**
 * Whether the call for this block height goes through V3 at this percentage. A multiplicative hash
 * spreads consecutive heights over the 100 buckets, so 10 % is every tenth-ish block rather than
 * ten blocks in a row, and each height's bucket never changes.
 */
export function usesV3(height: number, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return Math.imul(height >>> 0, 0x9e3779b1) >>> 0 < Math.floor((percent / 100) * 0x1_0000_0000);
}

export function recordOutcome(s: RolloutState, o: RolloutOutcome): RolloutState {
  const w = s.window;
  switch (o) {
    case 'v3-ok':
      return { ...s, window: { ...w, v3Calls: w.v3Calls + 1 } };
    case 'v3-error':
      return { ...s, window: { ...w, v3Calls: w.v3Calls + 1, v3Errors: w.v3Errors + 1 } };
    case 'shadow-mismatch':
      return { ...s, window: { ...w, shadowMismatches: w.shadowMismatches + 1 } };
    case 'payload-failure':
      return { ...s, window: { ...w, payloadFailures: w.payloadFailures + 1 } };
  }
}

/** Which gate a window trips, if any, in words for the log. */
export function trippedGate(w: GateWindow, g: RolloutSettings): string | undefined {
  if (w.v3Calls > 0 && w.v3Errors / w.v3Calls > g.maxErrorRate) return `V3 error rate ${w.v3Errors}/${w.v3Calls} over ${g.maxErrorRate}`;
  if (w.shadowMismatches > g.maxShadowMismatches) return `${w.shadowMismatches} shadow mismatches over ${g.maxShadowMismatches}`;
  if (w.payloadFailures > g.maxPayloadFailures) return `${w.payloadFailures} payload build/import failures over ${g.maxPayloadFailures}`;
  return undefined;
}

export type TickResult = { readonly state: RolloutState; readonly event?: { readonly kind: 'rolled-back' | 'paused' | 'advanced'; readonly detail: string } };

/**
 * The gate check and the automatic advance, at the end of each gate window. A gate trips on the
 * window's counts alone, so a stage that has just begun is judged as soon as it has made calls.
 */
export function tick(s: RolloutState, nowMs: number, g: RolloutSettings): TickResult {
  if (nowMs - s.window.startMs < g.gateWindowMs) return { state: s };
  const tripped = s.stage >= 0 ? trippedGate(s.window, g) : undefined;
  const next: RolloutState = { ...s, window: emptyWindow(nowMs) };
  if (tripped !== undefined) {
    if (g.rollbackOnError) return { state: rollback(next, nowMs, tripped), event: { kind: 'rolled-back', detail: tripped } };
    return { state: { ...next, paused: true }, event: { kind: 'paused', detail: tripped } };
  }
  const canAdvance = g.gradual && !next.paused && next.stage >= 0 && next.stage < ROLLOUT_STAGES.length - 1 && nowMs - next.stageSinceMs >= g.stageDurationMs;
  if (!canAdvance) return { state: next };
  const advanced = advance(next, nowMs);
  return { state: advanced, event: { kind: 'advanced', detail: `${rolloutPercent(next)} % → ${rolloutPercent(advanced)} %` } };
}

/** The next stage (from 0 % or a rollback: the first stage); clears a pause and a rollback. */
export function advance(s: RolloutState, nowMs: number): RolloutState {
  const stage = Math.min(s.stage + 1, ROLLOUT_STAGES.length - 1);
  const { rolledBack: _gone, ...rest } = s;
  return { ...rest, stage, stageSinceMs: nowMs, paused: false, window: emptyWindow(nowMs) };
}

export const pause = (s: RolloutState): RolloutState => ({ ...s, paused: true });

export function rollback(s: RolloutState, nowMs: number, reason: string): RolloutState {
  return { ...s, stage: -1, stageSinceMs: nowMs, paused: true, rolledBack: { atMs: nowMs, reason }, rollbacks: s.rollbacks + 1, window: emptyWindow(nowMs) };
}

/** The persisted form: JSON; an unreadable record is refused, never guessed at. */
export function encodeRollout(s: RolloutState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(s));
}

export function decodeRollout(bytes: Uint8Array): RolloutState {
  const o = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RolloutState>;
  if (typeof o.stage !== 'number' || o.stage < -1 || o.stage >= ROLLOUT_STAGES.length || typeof o.stageSinceMs !== 'number' || typeof o.paused !== 'boolean' || typeof o.window !== 'object' || o.window === null) {
    throw new Error('rollout record is malformed');
  }
  return { ...(o as RolloutState), rollbacks: typeof o.rollbacks === 'number' ? o.rollbacks : 0 };
}
