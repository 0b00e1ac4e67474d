// System events: what supervision and the mailboxes did. The node's status, the metrics and the
// simulation's checkers subscribe here instead of reading logs.
import type { Lifecycle } from './lifecycle.ts';

export type SystemEvent =
  | { readonly type: 'lifecycle'; readonly actor: string; readonly from: Lifecycle; readonly to: Lifecycle; readonly at: number }
  | { readonly type: 'actor-failed'; readonly actor: string; readonly error: string; readonly at: number }
  | { readonly type: 'actor-restarting'; readonly actor: string; readonly delayMs: number; readonly at: number }
  | { readonly type: 'circuit-open'; readonly actor: string; readonly openMs: number; readonly at: number }
  | { readonly type: 'escalated'; readonly supervisor: string; readonly error: string; readonly at: number }
  | { readonly type: 'degraded'; readonly reason: string; readonly at: number }
  | {
      readonly type: 'dead-letter';
      readonly actor: string;
      readonly from: string | undefined;
      readonly messageType: string;
      readonly reason: 'rejected' | 'dropped-oldest' | 'stopped' | 'failed-message' | 'not-found';
      readonly at: number;
    }
  | { readonly type: 'unhealthy'; readonly actor: string; readonly detail: string; readonly at: number };

export type Subscriber = (event: SystemEvent) => void;

export class EventBus {
  private readonly subscribers: Subscriber[] = [];

  subscribe(fn: Subscriber): () => void {
    this.subscribers.push(fn);
    return () => {
      const i = this.subscribers.indexOf(fn);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  publish(event: SystemEvent): void {
    for (const s of this.subscribers) s(event);
  }
}
