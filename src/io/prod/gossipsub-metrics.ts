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

const split = <V>(a: Labels | V, b: V | undefined): [Labels | undefined, V] => (typeof a === 'object' && a !== null && !Array.isArray(a) ? [a as Labels, b as V] : [undefined, a as V]);

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
      name: c.name,
      help: c.help,
      labelNames: [...(c.labelNames ?? [])],
      registers: [registry],
      collect() {
        for (const fn of collects) fn(adapter);
      },
    });
    return adapter;
  };
  const histogram = (c: Config) => {
    const h = new Histogram({ name: c.name, help: c.help, labelNames: [...(c.labelNames ?? [])], registers: [registry], ...(c.buckets !== undefined ? { buckets: c.buckets } : {}) });
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
    const g = new Gauge({ name: c.name, help: c.help, labelNames: [...(c.labelNames ?? []), 'stat'], registers: [registry] });
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
