// Per-actor metrics through prom-client. The hot path only bumps plain counters on the cell; the
// registry reads them at scrape time (collect), so metrics cost nothing per delivery.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ActorSystem } from './actor-system.ts';

export function registerActorMetrics(systems: () => readonly ActorSystem[], registry: Registry = new Registry()): Registry {
  const labelNames = ['node', 'actor'] as const;
  type Read = (s: ActorSystem, c: ReturnType<ActorSystem['cellsForMetrics']>[number]) => number;
  // Per-actor values read at scrape time. Counts are counters (promtool wants _total on counters
  // only); times are in seconds.
  const perActor = (Kind: typeof Gauge | typeof Counter, name: string, help: string, read: Read): void => {
    new Kind({
      name,
      help,
      labelNames,
      registers: [registry],
      collect(this: Gauge | Counter) {
        this.reset();
        for (const s of systems()) {
          for (const c of s.cellsForMetrics()) {
            const labels = { node: s.node, actor: c.name };
            if (this instanceof Gauge) this.set(labels, read(s, c));
            else this.inc(labels, read(s, c));
          }
        }
      },
    });
  };
  const gauge = (name: string, help: string, read: Read): void => perActor(Gauge, name, help, read);
  const counter = (name: string, help: string, read: Read): void => perActor(Counter, name, help, read);
  gauge('alys_actor_mailbox_depth', 'Messages waiting in the mailbox', (_s, c) => c.mailbox.depth + c.mailbox.waiting);
  gauge('alys_actor_mailbox_max_depth', 'Largest mailbox depth seen', (_s, c) => c.mailbox.maxDepth);
  counter('alys_actor_messages_total', 'Messages handled', (_s, c) => c.stats.processed);
  counter('alys_actor_handling_seconds_total', 'Time spent in handlers (scheduler time)', (_s, c) => c.stats.handlingMsTotal / 1_000);
  gauge('alys_actor_handling_seconds_max', 'Longest handler (scheduler time)', (_s, c) => c.stats.handlingMsMax / 1_000);
  counter('alys_actor_restarts_total', 'Restarts by the supervisor', (_s, c) => c.stats.restarts);
  counter('alys_actor_failures_total', 'Handler failures', (_s, c) => c.stats.failures);
  counter('alys_actor_dead_letters_total', 'Messages rejected, dropped or discarded', (_s, c) => c.stats.deadLetters);
  counter('alys_actor_ask_timeouts_total', 'Asks to this actor that timed out', (_s, c) => c.stats.asksTimedOut);
  new Gauge({
    name: 'alys_system_degraded',
    help: '1 when the root supervisor gave up',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of systems()) this.set({ node: s.node }, s.status === 'degraded' ? 1 : 0);
    },
  });
  return registry;
}

/** A gauge read at scrape time; an undefined reading leaves it unset (nothing known yet). */
export function scrapeGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v !== undefined) this.set(v);
    },
  });
}
