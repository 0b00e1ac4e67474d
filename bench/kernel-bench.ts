// `alys bench kernel`: how fast the kernel delivers messages in simulation, and how quickly one
// actor's ask is answered by another on the real-time driver. Each figure comes with a baseline
// measured in the same run (a bare queue calling the same handler; a bare promise round trip).
import { actor } from '../src/kernel/actor.ts';
import { ActorSystem } from '../src/kernel/actor-system.ts';
import type { Ask } from '../src/kernel/message.ts';
import { SeededRng } from '../src/kernel/rng.ts';
import { Scheduler } from '../src/kernel/scheduler.ts';
import { TraceRecorder } from '../src/kernel/trace.ts';
import { RealTimeDriver } from '../src/io/prod/realtime-driver.ts';

type RingMsg = { readonly type: 'token'; readonly hops: number };

/** A ring of actors passing tokens: every delivery is one scheduler event. */
async function kernelDeliveries(actors: number, tokens: number, deliveries: number): Promise<{ perSec: number; wallMs: number; hash: string }> {
  const scheduler = new Scheduler();
  const trace = new TraceRecorder();
  scheduler.onEvent = (t, s) => trace.event(t, s);
  let delivered = 0;
  const names = Array.from({ length: actors }, (_, i) => `a${i}`);
  const specs = names.map((name, i) =>
    actor<RingMsg>({
      name,
      mailbox: { capacity: tokens + 1, overflow: 'reject' },
      create: (ctx) => {
        let next: ReturnType<typeof ctx.lookup<RingMsg>> | undefined;
        return {
          handlers: {
            token: (m) => {
              delivered++;
              if (delivered >= deliveries) return;
              next ??= ctx.lookup<RingMsg>(names[(i + 1) % actors] as string);
              ctx.tell(next, { type: 'token', hops: m.hops + 1 });
            },
          },
        };
      },
    }),
  );
  const system = new ActorSystem({ node: 'bench', scheduler, rng: new SeededRng(1), trace }, specs).start();
  for (let t = 0; t < tokens; t++) system.ref<RingMsg>(names[(t * 7) % actors] as string).tell({ type: 'token', hops: 0 });
  const t0 = performance.now();
  await scheduler.runToQuiescence();
  const wallMs = performance.now() - t0;
  return { perSec: delivered / (wallMs / 1000), wallMs, hash: trace.hash };
}

/** The same ring without the kernel: an array queue calling the same kind of handler. */
function baselineDeliveries(actors: number, tokens: number, deliveries: number): number {
  const queue: Array<{ to: number; hops: number }> = [];
  let head = 0;
  let delivered = 0;
  const handlers = Array.from({ length: actors }, (_, i) => (hops: number) => {
    delivered++;
    if (delivered < deliveries) queue.push({ to: (i + 1) % actors, hops: hops + 1 });
  });
  for (let t = 0; t < tokens; t++) queue.push({ to: (t * 7) % actors, hops: 0 });
  const t0 = performance.now();
  while (head < queue.length) {
    const m = queue[head++] as { to: number; hops: number };
    (handlers[m.to] as (h: number) => void)(m.hops);
    if (head > 65_536) {
      queue.splice(0, head);
      head = 0;
    }
  }
  return delivered / ((performance.now() - t0) / 1000);
}

type EchoMsg = Ask<{ readonly type: 'echo'; readonly n: number }, number>;
type DriverMsg = { readonly type: 'fire'; readonly n: number };

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Cross-actor asks on the real-time driver at a steady rate. Latency is wall time from the moment
 * the request enters the node as IO (driver.post) until the reply reaches the asking actor: the
 * driver's wake-up, the asker's delivery, the ask, the echo's delivery and the reply.
 */
async function askLatency(ratePerSec: number, seconds: number): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const scheduler = new Scheduler();
  const driver = new RealTimeDriver(scheduler);
  const latencies: number[] = [];
  const postedAt: number[] = [];
  const system = new ActorSystem({ node: 'bench', scheduler, rng: new SeededRng(1), clock: driver.clock() }, [
    actor<EchoMsg>({ name: 'echo', create: () => ({ handlers: { echo: (m) => m.n } }) }),
    actor<DriverMsg>({
      name: 'asker',
      create: (ctx) => {
        const echo = ctx.lookup<EchoMsg>('echo');
        return {
          handlers: {
            fire: (m) => {
              const sent = postedAt[m.n] as number;
              ctx.ask(echo, { type: 'echo', n: m.n }, 1_000).then(
                () => latencies.push(performance.now() - sent),
                () => latencies.push(1_000),
              );
            },
          },
        };
      },
    }),
  ]).start();
  driver.start();
  const asker = system.ref<DriverMsg>('asker');
  const total = ratePerSec * seconds;
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      // Send what the steady rate says is due by now (timers are coarse; the rate is kept on average).
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerSec));
      while (sent < due) {
        const n = sent++;
        postedAt[n] = performance.now();
        driver.post(() => asker.tell({ type: 'fire', n }));
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await new Promise<void>((resolve) => setTimeout(resolve, 50));
  await driver.stop();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? Number.NaN, count: latencies.length };
}

/** A bare promise round trip through a macrotask: the floor under any real-time ask. */
async function baselineRoundTrip(count: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 99);
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function benchKernel(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const deliveries = 2_000_000;
  const kernel = await kernelDeliveries(100, 1_000, deliveries);
  const baseline = baselineDeliveries(100, 1_000, deliveries);
  const ask = await askLatency(10_000, 3);
  const floorP99 = await baselineRoundTrip(10_000);
  const result = {
    deliveriesPerSec: Math.round(kernel.perSec),
    askLatencyP50Ms: round(ask.p50),
    askLatencyP99Ms: round(ask.p99),
    askLatencyMaxMs: round(ask.max),
    asks: ask.count,
    askRatePerSec: 10_000,
    messages: deliveries,
    wallMs: round(kernel.wallMs, 1),
    traceHash: kernel.hash,
    baselineDeliveriesPerSec: Math.round(baseline),
    ratio: round(kernel.perSec / baseline),
    baselineMacrotaskP99Ms: round(floorP99),
    goals: { deliveriesPerSec: 1_000_000, askLatencyP99Ms: 1 },
    met: kernel.perSec >= 1_000_000 && ask.p99 < 1,
  };
  if (!json) {
    process.stdout.write(
      `kernel: ${result.deliveriesPerSec.toLocaleString('en')} deliveries/s (bare queue ${result.baselineDeliveriesPerSec.toLocaleString('en')}/s, ratio ${result.ratio})\n` +
        `ask on the real-time driver at 10,000/s: p50 ${result.askLatencyP50Ms} ms, p99 ${result.askLatencyP99Ms} ms (macrotask floor p99 ${result.baselineMacrotaskP99Ms} ms)\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
