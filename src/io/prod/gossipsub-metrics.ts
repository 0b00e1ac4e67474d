// Gossipsub's own metrics on the node's prom-client registry (/metrics): its MetricsRegister is
// three kinds of instrument, adapted here to prom-client gauges and histograms. Among them are the
// messages gossipsub drops before any validator sees them, such as a `from` or `seqno` field under
// StrictNoSign (gossipsub_msg_received_invalid_total{error="FromPresent"|"SeqnoPresent"|…}).
import type { MetricsRegister } from '@libp2p/gossipsub/metrics';
import { Gauge, Histogram, type Registry } from 'prom-client';

type Labels = Record<string, string | number>;
interface Config {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  readonly buckets?: number[];
}

/**
 * Gossipsub names some gauges like counters (`_total`, `_count`) and uses camelCase labels, which
 * Prometheus tooling (promtool check metrics) refuses; they are exported under conforming names.
 */
export const promName = (name: string): string => name.replace(/_total$/, '').replace(/_count$/, '_number');
const snake = (label: string): string => label.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const snakeLabels = (labels: Labels): Labels => Object.fromEntries(Object.entries(labels).map(([k, v]) => [snake(k), v]));

const split = <V>(a: Labels | V, b: V | undefined): [Labels | undefined, V] => (typeof a === 'object' && a !== null && !Array.isArray(a) ? [snakeLabels(a as Labels), b as V] : [undefined, a as V]);

export function gossipsubMetrics(registry: Registry): MetricsRegister {
  const gauge = (c: Config) => {
    const collects: Array<(g: unknown) => void> = [];
    const adapter = {
      inc: (a?: Labels | number, b?: number): void => {
        const [labels, v] = split(a ?? 1, b);
        if (labels === undefined) g.inc(v ?? 1);
        else g.inc(labels, v ?? 1);
      },
      set: (a: Labels | number, b?: number): void => {
        const [labels, v] = split(a, b);
        if (labels === undefined) g.set(v);
        else g.set(labels, v);
      },
      addCollect: (fn: (g: unknown) => void): void => {
        collects.push(fn);
      },
    };
    const g: Gauge = new Gauge({
      name: promName(c.name),
      help: c.help,
      labelNames: (c.labelNames ?? []).map(snake),
      registers: [registry],
      collect() {
        for (const fn of collects) fn(adapter);
      },
    });
    return adapter;
  };
  const histogram = (c: Config) => {
    const h = new Histogram({ name: c.name, help: c.help, labelNames: (c.labelNames ?? []).map(snake), registers: [registry], ...(c.buckets !== undefined ? { buckets: c.buckets } : {}) });
    return {
      startTimer: (): (() => void) => {
        const end = h.startTimer();
        return () => {
          end();
        };
      },
      observe: (a: Labels | number, b?: number): void => {
        const [labels, v] = split(a, b);
        if (labels === undefined) h.observe(v);
        else h.observe(labels, v);
      },
      reset: (): void => h.reset(),
    };
  };
  const avgMinMax = (c: Config) => {
    const g = new Gauge({ name: promName(c.name), help: c.help, labelNames: [...(c.labelNames ?? []).map(snake), 'stat'], registers: [registry] });
    return {
      set: (a: Labels | number[], b?: number[]): void => {
        const [labels, values] = split(a, b);
        if (values.length === 0) return;
        const base = labels ?? {};
        g.set({ ...base, stat: 'avg' }, values.reduce((x, y) => x + y, 0) / values.length);
        g.set({ ...base, stat: 'min' }, Math.min(...values));
        g.set({ ...base, stat: 'max' }, Math.max(...values));
      },
    };
  };
  return { gauge, histogram, avgMinMax } as unknown as MetricsRegister;
}
