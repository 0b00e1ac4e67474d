// Checks the kernel itself while the app runs on it, from the probe's record of every envelope:
// exactly-once delivery (nothing delivered twice or out of nowhere), per-sender FIFO, and
// conservation (an envelope only leaves a mailbox by delivery, by an overflow policy the sender was
// told of, or because its actor or node went away). It fails at the event where the bug shows.
import type { Envelope } from '../../src/kernel/message.ts';
import type { DiscardReason, KernelProbe } from '../../src/kernel/probe.ts';

export const kernelInvariants = ['kernel-exactly-once', 'kernel-fifo', 'kernel-conservation'] as const;
export type KernelInvariant = (typeof kernelInvariants)[number];

interface SenderQueue {
  ids: number[];
  head: number;
}

export class KernelChecker {
  readonly failures = new Map<KernelInvariant, string>();
  /** node/actor -> envelope id -> its sender's queue, for envelopes enqueued and not yet gone. */
  private readonly pending = new Map<string, Map<number, SenderQueue>>();
  /** node/actor -> sender -> ids in enqueue order. */
  private readonly queues = new Map<string, Map<string, SenderQueue>>();
  deliveries = 0;
  /** What left mailboxes other than by delivery, by reason: the declared, counted exits. */
  readonly exits = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  probeFor(node: string): KernelProbe {
    // Actor keys are built once per actor, not once per message: this runs on every delivery.
    const keys = new Map<string, string>();
    const key = (actor: string): string => {
      let k = keys.get(actor);
      if (k === undefined) {
        k = `${node}/${actor}`;
        keys.set(actor, k);
      }
      return k;
    };
    return {
      enqueued: (actor, env) => this.enqueued(key(actor), env),
      delivered: (actor, env) => this.delivered(key(actor), env),
      dropped: (actor, env, reason) => {
        this.count(reason, 1);
        this.gone(key(actor), [env]);
      },
      discarded: (actor, envs, reason) => this.discarded(key(actor), envs, reason),
      restarted: (actor, ids) => this.restarted(key(actor), ids),
    };
  }

  private fail(inv: KernelInvariant, reason: string): void {
    if (!this.failures.has(inv)) this.failures.set(inv, `${reason} (at ${this.now()} ms)`);
  }

  private pendingOf(actor: string): Map<number, SenderQueue> {
    let m = this.pending.get(actor);
    if (m === undefined) {
      m = new Map();
      this.pending.set(actor, m);
    }
    return m;
  }

  private enqueued(actor: string, env: Envelope): void {
    let senders = this.queues.get(actor);
    if (senders === undefined) {
      senders = new Map();
      this.queues.set(actor, senders);
    }
    const from = env.from ?? '(outside)';
    let q = senders.get(from);
    if (q === undefined) {
      q = { ids: [], head: 0 };
      senders.set(from, q);
    }
    q.ids.push(env.id);
    this.pendingOf(actor).set(env.id, q);
  }

  private delivered(actor: string, env: Envelope): void {
    this.deliveries++;
    const pending = this.pendingOf(actor);
    const q = pending.get(env.id);
    if (q === undefined) {
      this.fail('kernel-exactly-once', `${actor} received message #${env.id} (${env.msg.type}) that was not pending: delivered twice or never sent`);
      return;
    }
    pending.delete(env.id);
    // Skip ids that left by other routes (dropped, discarded) since they were queued.
    while (q.head < q.ids.length && !pending.has(q.ids[q.head] as number) && q.ids[q.head] !== env.id) q.head++;
    if (q.ids[q.head] !== env.id) {
      this.fail('kernel-fifo', `${actor} received #${env.id} (${env.msg.type}) before earlier #${q.ids[q.head]} from ${env.from ?? '(outside)'}`);
    }
    q.head++;
    if (q.head > 1024 && q.head * 2 > q.ids.length) {
      q.ids = q.ids.slice(q.head);
      q.head = 0;
    }
  }

  private gone(actor: string, envs: readonly Envelope[]): void {
    const pending = this.pendingOf(actor);
    for (const env of envs) pending.delete(env.id);
  }

  private discarded(actor: string, envs: readonly Envelope[], reason: DiscardReason): void {
    this.count(reason, envs.length);
    this.gone(actor, envs);
  }

  private count(reason: string, n: number): void {
    if (n > 0) this.exits.set(reason, (this.exits.get(reason) ?? 0) + n);
  }

  /**
   * End of run: every envelope sent to an actor of a node that is still up was delivered, left by a
   * counted policy (above), or is still in that actor's mailbox. Anything else vanished.
   */
  finish(o: { readonly nodes: ReadonlySet<string>; readonly queued: ReadonlyMap<string, readonly number[]> }): void {
    for (const [actor, pending] of this.pending) {
      if (!o.nodes.has(actor.slice(0, actor.indexOf('/')))) continue;
      const present = new Set(o.queued.get(actor) ?? []);
      for (const id of pending.keys()) {
        if (!present.has(id)) {
          this.fail('kernel-conservation', `message #${id} to ${actor} was neither delivered, dropped with a reason nor still queued at the end of the run`);
          return;
        }
      }
      for (const id of present) {
        if (!pending.has(id)) {
          this.fail('kernel-conservation', `${actor} holds message #${id}, which was never enqueued or already left`);
          return;
        }
      }
    }
  }

  private restarted(actor: string, queued: readonly number[]): void {
    const pending = this.pendingOf(actor);
    const present = new Set(queued);
    for (const id of pending.keys()) {
      if (!present.has(id)) {
        this.fail('kernel-conservation', `message #${id} to ${actor} vanished from its mailbox across a restart`);
        pending.delete(id);
      }
    }
  }
}
