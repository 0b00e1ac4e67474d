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

/** One actor's entries in the checker's books. */
interface ActorBooks {
  /** node/actor */
  readonly key: string;
  /** Envelope id -> its sender's queue, for envelopes enqueued and not yet gone. */
  readonly pending: Map<number, SenderQueue>;
  /** Sender -> ids in enqueue order. */
  readonly senders: Map<string, SenderQueue>;
}

export class KernelChecker {
  readonly failures = new Map<KernelInvariant, string>();
  /** node/actor -> its books. */
  private readonly books = new Map<string, ActorBooks>();
  deliveries = 0;
  /** What left mailboxes other than by delivery, by reason: the declared, counted exits. */
  readonly exits = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  probeFor(node: string): KernelProbe {
    // Each actor's key and books are found once per actor, not once per message: this runs on
    // every enqueue and every delivery.
    const byActor = new Map<string, ActorBooks>();
    const of = (actor: string): ActorBooks => {
      let b = byActor.get(actor);
      if (b === undefined) {
        b = this.booksOf(`${node}/${actor}`);
        byActor.set(actor, b);
      }
      return b;
    };
    return {
      enqueued: (actor, env) => this.enqueued(of(actor), env),
      delivered: (actor, env) => this.delivered(of(actor), env),
      dropped: (actor, env, reason) => {
        this.count(reason, 1);
        this.gone(of(actor).pending, [env]);
      },
      discarded: (actor, envs, reason) => this.discarded(of(actor).pending, envs, reason),
      restarted: (actor, ids) => this.restarted(of(actor), ids),
    };
  }

  private fail(inv: KernelInvariant, reason: string): void {
    if (!this.failures.has(inv)) this.failures.set(inv, `${reason} (at ${this.now()} ms)`);
  }

  private booksOf(key: string): ActorBooks {
    let b = this.books.get(key);
    if (b === undefined) {
      b = { key, pending: new Map(), senders: new Map() };
      this.books.set(key, b);
    }
    return b;
  }

  private enqueued(books: ActorBooks, env: Envelope): void {
    const from = env.from ?? '(outside)';
    let q = books.senders.get(from);
    if (q === undefined) {
      q = { ids: [], head: 0 };
      books.senders.set(from, q);
    }
    q.ids.push(env.id);
    books.pending.set(env.id, q);
  }

  private delivered(books: ActorBooks, env: Envelope): void {
    this.deliveries++;
    const actor = books.key;
    const pending = books.pending;
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

  private gone(pending: Map<number, SenderQueue>, envs: readonly Envelope[]): void {
    for (const env of envs) pending.delete(env.id);
  }

  private discarded(pending: Map<number, SenderQueue>, envs: readonly Envelope[], reason: DiscardReason): void {
    this.count(reason, envs.length);
    this.gone(pending, envs);
  }

  private count(reason: string, n: number): void {
    if (n > 0) this.exits.set(reason, (this.exits.get(reason) ?? 0) + n);
  }

  /**
   * End of run: every envelope sent to an actor of a node that is still up was delivered, left by a
   * counted policy (above), or is still in that actor's mailbox. Anything else vanished.
   */
  finish(o: { readonly nodes: ReadonlySet<string>; readonly queued: ReadonlyMap<string, readonly number[]> }): void {
    for (const { key: actor, pending } of this.books.values()) {
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

  private restarted(books: ActorBooks, queued: readonly number[]): void {
    const pending = books.pending;
    const present = new Set(queued);
    for (const id of pending.keys()) {
      if (!present.has(id)) {
        this.fail('kernel-conservation', `message #${id} to ${books.key} vanished from its mailbox across a restart`);
        pending.delete(id);
      }
    }
  }
}
