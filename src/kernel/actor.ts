// What an actor is, as its author sees it: a handler table over its typed messages, optional start
// and stop hooks, an optional health check, and a spec that says how to build it again after a
// failure. Handlers of one actor never interleave: the next message starts only after the previous
// handler (and any promise it returned) has settled. The chain actor relies on this: it must not
// import a block in the middle of building one.
import type { Clock } from '../io/clock.ts';
import type { MailboxOptions } from './mailbox.ts';
import type { Envelope, Handlers, Message, ReplyFor } from './message.ts';
import type { Rng } from './rng.ts';
import type { Timer } from './scheduler.ts';

export type TellResult = 'enqueued' | 'waiting' | 'rejected' | 'dead';

export interface ActorRef<M extends Message> {
  readonly name: string;
  /** Fire and forget. The result says whether the mailbox took it. */
  tell(msg: M, from?: SenderInfo): TellResult;
  /** Request/response; rejects with ASK_TIMEOUT after timeoutMs so a cycle of asks cannot hang. */
  ask<const T extends M>(msg: T, timeoutMs?: number, from?: SenderInfo): Promise<ReplyFor<M, T>>;
  /** Like tell, but resolves only once the mailbox has admitted the message (block policy). */
  send(msg: M, from?: SenderInfo): Promise<TellResult>;
}

/** Who is sending, for the envelope: set by ActorContext so actors never fill it by hand. */
export interface SenderInfo {
  readonly path: string;
  readonly traceId: number;
}

export interface HealthStatus {
  readonly healthy: boolean;
  readonly detail?: string;
}

export interface ActorBehavior<M extends Message> {
  readonly handlers: Handlers<M>;
  onStart?(ctx: ActorContext<M>): void | Promise<void>;
  onStop?(ctx: ActorContext<M>): void | Promise<void>;
  health?(): HealthStatus;
}

export interface ActorContext<M extends Message> {
  readonly self: ActorRef<M>;
  readonly name: string;
  /** Incremented on each restart: 0 for the first incarnation. */
  readonly incarnation: number;
  readonly rng: Rng;
  readonly clock: Clock;
  /** The envelope being handled, if any. */
  readonly envelope: Envelope | undefined;
  tell<N extends Message>(to: ActorRef<N>, msg: N): TellResult;
  ask<N extends Message, const T extends N>(to: ActorRef<N>, msg: T, timeoutMs?: number): Promise<ReplyFor<N, T>>;
  /** Tells self msg after delayMs; cancelled when this incarnation stops. */
  setTimer(delayMs: number, msg: M): Timer;
  lookup<N extends Message>(name: string): ActorRef<N>;
}

export interface ActorSpec<M extends Message> {
  readonly kind: 'actor';
  readonly name: string;
  /** Called for every incarnation: the state of a failed actor is never reused. */
  readonly create: (ctx: ActorContext<M>) => ActorBehavior<M>;
  readonly mailbox?: MailboxOptions;
  /** Names of actors this one uses: it is stopped before them at shutdown. */
  readonly dependsOn?: readonly string[];
  /** Consecutive failed health checks that count as a failure. */
  readonly unhealthyThreshold?: number;
}

export function actor<M extends Message>(spec: Omit<ActorSpec<M>, 'kind'>): ActorSpec<M> {
  return { kind: 'actor', ...spec };
}

/** Any actor spec, whatever its message type: what supervisors hold. */
export interface AnyActorSpec {
  readonly kind: 'actor';
  readonly name: string;
  readonly create: (ctx: never) => unknown;
  readonly mailbox?: MailboxOptions;
  readonly dependsOn?: readonly string[];
  readonly unhealthyThreshold?: number;
}
