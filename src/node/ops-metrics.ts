// The operator's view of the feature flags and the staged V3 rollout as Prometheus metrics, read at
// scrape time: each flag's value, the engine mode, how many reloads were accepted, and the rollout's
// stage, pause, rollbacks and current gate window.
import { Gauge, type Registry } from 'prom-client';
import { scrapeGauge } from '../kernel/metrics.ts';
import type { RolloutView } from '../actors/rollout-actor.ts';
import type { FeatureStore } from './feature-store.ts';
import { engineModes } from './features.ts';

export function registerOpsMetrics(registry: Registry, features: FeatureStore, rollout: () => RolloutView | undefined): void {
  const gauge = (name: string, help: string, read: () => number | undefined): void => scrapeGauge(registry, name, help, read);
  new Gauge({
    name: 'alys_feature_flag',
    help: 'Active feature flags: 1 when on',
    labelNames: ['flag'],
    registers: [registry],
    collect() {
      const f = features.current();
      this.set({ flag: 'improvedSync' }, f.improvedSync ? 1 : 0);
      this.set({ flag: 'parallelValidation' }, f.parallelValidation ? 1 : 0);
      this.set({ flag: 'pegPaused' }, f.peg.paused ? 1 : 0);
    },
  });
  new Gauge({
    name: 'alys_engine_mode',
    help: 'The Engine API migration mode in force: 1 for the active one',
    labelNames: ['mode'],
    registers: [registry],
    collect() {
      const m = features.current().lighthouseV5.mode;
      for (const mode of engineModes) this.set({ mode }, mode === m ? 1 : 0);
    },
  });
  gauge('alys_config_generation', 'Feature reloads accepted since start (0: the file read at start)', () => features.generation());
  gauge('alys_rollout_percent', 'Share of Engine API calls routed to V3 by the staged rollout, in percent', () => rollout()?.percent);
  gauge('alys_rollout_paused', '1 while the rollout is paused', () => (rollout()?.paused === true ? 1 : 0));
  gauge('alys_rollout_rollbacks', 'Rollbacks of the V3 rollout (automatic and by the operator), persisted across restarts', () => rollout()?.rollbacks);
  gauge('alys_rollout_window_v3_calls', 'V3 calls in the current gate window', () => rollout()?.window.v3Calls);
  gauge('alys_rollout_window_v3_errors', 'Failed V3 calls in the current gate window', () => rollout()?.window.v3Errors);
}
