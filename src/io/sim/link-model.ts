// The model of one directed link: how long a message takes and whether it arrives once, twice or
// not at all. Pure given its RNG draws, so the network stays reproducible from the seed.
import type { Rng } from '../../kernel/rng.ts';

export interface LinkModel {
  /** Base one-way latency. */
  readonly latencyMs: number;
  /** Extra latency, exponentially distributed with this mean (a long tail, like real networks). */
  readonly jitterMs: number;
  /** Serialisation rate; undefined means unlimited. */
  readonly bandwidthBytesPerMs: number | undefined;
  readonly loss: number;
  readonly duplicate: number;
  /** Probability that a message is held back long enough for later ones to overtake it. */
  readonly reorder: number;
}

export const defaultLinkModel: LinkModel = {
  latencyMs: 5,
  jitterMs: 5,
  bandwidthBytesPerMs: undefined,
  loss: 0,
  duplicate: 0,
  reorder: 0,
};

export function drawLatency(m: LinkModel, rng: Rng): number {
  const jitter = m.jitterMs > 0 ? -m.jitterMs * Math.log(1 - rng.next()) : 0;
  let delay = m.latencyMs + jitter;
  if (rng.chance(m.reorder)) delay += (m.latencyMs + m.jitterMs) * (1 + 4 * rng.next());
  return Math.max(0, Math.round(delay * 1000) / 1000);
}
