// A bounded FIFO mailbox. Overflow policy is per actor because the right answer differs: a gossip
// inbox may drop its oldest entry, a command inbox must reject so the sender knows, and a pipeline
// stage makes its producer wait. Whatever the policy, nothing disappears silently: a dropped or
// rejected envelope is handed back to the caller, which tells the sender.
//
// Timer ticks have a lane of their own that no overflow policy touches, served first: an actor
// whose timer re-arms itself from its tick handler (the chain's slot timer) would otherwise stop
// for good the first time a flood pushed a tick out. The lane is bounded by the timers the actor
// itself sets, never by what others send it.
import type { Envelope } from './message.ts';

export type OverflowPolicy = 'reject' | 'drop-oldest' | 'block';

export interface MailboxOptions {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
}

export const defaultMailbox: MailboxOptions = { capacity: 10_000, overflow: 'reject' };

export type OfferResult =
  | { readonly kind: 'enqueued' }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'dropped-oldest'; readonly dropped: Envelope }
  | { readonly kind: 'waiting' };

interface Waiter {
  readonly env: Envelope;
  readonly admitted: (() => void) | undefined;
}

const ENQUEUED: OfferResult = { kind: 'enqueued' };
const REJECTED: OfferResult = { kind: 'rejected' };
const WAITING: OfferResult = { kind: 'waiting' };

export class Mailbox {
  private items: Envelope[] = [];
  private head = 0;
  private readonly timerLane: Envelope[] = [];
  private readonly waiters: Waiter[] = [];
  maxDepth = 0;

  constructor(readonly options: MailboxOptions) {}

  /** Everything queued, timer ticks included. */
  get depth(): number {
    return this.items.length - this.head + this.timerLane.length;
  }

  /** The envelopes the capacity and the overflow policy apply to. */
  private get queued(): number {
    return this.items.length - this.head;
  }

  /** A timer tick: queued whatever the depth, never dropped or rejected. */
  offerTimer(env: Envelope): OfferResult {
    this.timerLane.push(env);
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
    return ENQUEUED;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** admitted is called when a waiting envelope finally enters the queue (block policy only). */
  offer(env: Envelope, admitted?: () => void): OfferResult {
    if (this.waiters.length > 0) {
      // Someone is already waiting: going ahead of them would break per-sender FIFO.
      if (this.options.overflow === 'block') {
        this.waiters.push({ env, admitted });
        return WAITING;
      }
    }
    if (this.queued < this.options.capacity) {
      this.push(env);
      admitted?.();
      return ENQUEUED;
    }
    switch (this.options.overflow) {
      case 'reject':
        return REJECTED;
      case 'drop-oldest': {
        const dropped = this.takeQueued() as Envelope;
        this.push(env);
        return { kind: 'dropped-oldest', dropped };
      }
      case 'block':
        this.waiters.push({ env, admitted });
        return WAITING;
    }
  }

  take(): Envelope | undefined {
    const tick = this.timerLane.shift();
    if (tick !== undefined) return tick;
    return this.takeQueued();
  }

  private takeQueued(): Envelope | undefined {
    if (this.head >= this.items.length) return undefined;
    const env = this.items[this.head] as Envelope;
    this.items[this.head] = undefined as unknown as Envelope;
    this.head++;
    if (this.head > 512 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.admitWaiters();
    return env;
  }

  /** Puts an envelope back at the front (used only by a planted bug and by tests). */
  unshift(env: Envelope): void {
    if (this.head > 0) {
      this.head--;
      this.items[this.head] = env;
    } else {
      this.items.unshift(env);
    }
  }

  /** Swaps the last two queued envelopes (used only by a planted bug). */
  swapLastTwo(): boolean {
    const n = this.items.length;
    if (n - this.head < 2) return false;
    const a = this.items[n - 1] as Envelope;
    this.items[n - 1] = this.items[n - 2] as Envelope;
    this.items[n - 2] = a;
    return true;
  }

  /** Removes and returns the timer ticks waiting to be handled. */
  dropTimers(): Envelope[] {
    return this.timerLane.splice(0);
  }

  /** Removes and returns everything, waiters included, in FIFO order. */
  drain(): Envelope[] {
    const out = [...this.timerLane.splice(0), ...this.items.slice(this.head)];
    this.items = [];
    this.head = 0;
    for (const w of this.waiters.splice(0)) out.push(w.env);
    return out;
  }

  /** Read-only view of queued envelope ids, for checkers. */
  ids(): number[] {
    const out: number[] = this.timerLane.map((e) => e.id);
    for (let i = this.head; i < this.items.length; i++) out.push((this.items[i] as Envelope).id);
    for (const w of this.waiters) out.push(w.env.id);
    return out;
  }

  private push(env: Envelope): void {
    this.items.push(env);
    const d = this.depth;
    if (d > this.maxDepth) this.maxDepth = d;
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.queued < this.options.capacity) {
      const w = this.waiters.shift() as Waiter;
      this.push(w.env);
      w.admitted?.();
    }
  }
}
