// The node's live feature flags: one current value, a generation that counts accepted reloads, and
// the listeners told of each change. Readers ask for the current value when they decide (the sync
// actor at its next batch, the engine router at each call), so a reload never restarts an actor or
// loses its state. The file watching lives in src/io/prod; the simulation applies changes directly.
import { type Features, changedFeatures, defaultFeatures } from './features.ts';

export type FeatureListener = (features: Features, changed: readonly string[], generation: number) => void;

export class FeatureStore {
  private value: Features;
  private gen = 0;
  private readonly listeners: FeatureListener[] = [];

  constructor(initial: Features = defaultFeatures) {
    this.value = initial;
  }

  current(): Features {
    return this.value;
  }

  /** Accepted reloads so far (0: the features the node started with). */
  generation(): number {
    return this.gen;
  }

  /** Adopts a validated value; returns the changed paths (none: nothing happens, the generation stays). */
  apply(next: Features): readonly string[] {
    const changed = changedFeatures(this.value, next);
    if (changed.length === 0) return changed;
    this.value = next;
    this.gen++;
    for (const l of this.listeners) l(next, changed, this.gen);
    return changed;
  }

  subscribe(fn: FeatureListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
