// The staged V3 rollout's safety net, checked on every step: a node whose gate window shows failures
// past the configured limits must have rolled back (or paused) within one gate window. A node that
// kept routing calls to a failing V3 longer than that is what the design's automatic rollback exists
// to prevent.
import type { ChainView } from '../../src/chain/chain-view.ts';
import { featuresSchema } from '../../src/node/features.ts';
import { trippedGate } from '../../src/rollout/rollout-state.ts';
import type { InvariantOptions } from '../app.ts';
import type { Invariant } from '../chaos/invariant.ts';
import type { ChainNodeView } from './node.ts';
import type { RolloutView } from '../../src/actors/rollout-actor.ts';

export function rolloutRollsBack(opts: InvariantOptions): Invariant<ChainView> {
  const settings = featuresSchema.parse(opts.scenario.chain.features ?? {}).lighthouseV5.rollout;
  // One window to collect the failures, and the tick that judges it may come up to one window later.
  const limit = 2 * settings.gateWindowMs;
  /** Per node: since when its gate windows have shown a tripped gate without a rollback or pause. */
  const failingSince = new Map<string, number>();
  const lastWindow = new Map<string, RolloutView['window']>();
  return {
    name: 'rollout-rolls-back',
    check(ctx) {
      for (const n of ctx.nodes) {
        const r = n.byzantine || n.view === undefined ? undefined : (n.view as ChainNodeView).rollout;
        if (r === undefined) continue;
        if (r.percent === 0 || r.paused) {
          failingSince.delete(n.id);
          lastWindow.delete(n.id);
          continue;
        }
        // A window that ended healthy clears the record; the gates judge whole windows only.
        const prev = lastWindow.get(n.id);
        if (prev !== undefined && prev.startMs !== r.window.startMs && trippedGate(prev, settings) === undefined) failingSince.delete(n.id);
        lastWindow.set(n.id, r.window);
        const gate = trippedGate(r.window, settings);
        // The node's clock is not the checker's: time is measured from when the checker first saw it.
        if (gate !== undefined && !failingSince.has(n.id)) failingSince.set(n.id, ctx.now);
        const since = failingSince.get(n.id);
        if (since !== undefined && ctx.now - since > limit) {
          return `${n.id} stayed at ${r.percent} % V3 for ${ctx.now - since} ms after its gates tripped (${gate ?? 'an earlier window'}); the gate window is ${settings.gateWindowMs} ms`;
        }
      }
      return undefined;
    },
  };
}
