// Typed messages. A message is a tagged object; a message that expects a reply carries its reply
// type as a phantom field (Ask<T, R>), so `ask` returns the right type and each actor's handler
// table is checked, per message type, against it.
import type { ActorContext } from './actor.ts';

declare const replyBrand: unique symbol;

export interface Message {
  readonly type: string;
}

// The reply type is boxed so that a reply type containing undefined survives inference.
export type Ask<T extends Message, R> = T & { readonly [replyBrand]?: { readonly reply: R } };

export type ReplyOf<T> = T extends { readonly [replyBrand]?: { readonly reply: infer R } } ? R : void;

/**
 * The reply type of a message literal sent to an actor of protocol M. The literal itself carries no
 * brand (`{ type: 'get' }`), so the reply is looked up in M by the message's type tag.
 */
export type ReplyFor<M extends Message, T extends Message> = ReplyOf<Extract<M, { readonly type: T['type'] }>>;

export type Handlers<M extends Message> = {
  [K in M['type']]: (
    msg: Extract<M, { type: K }>,
    ctx: ActorContext<M>,
  ) => ReplyOf<Extract<M, { type: K }>> | Promise<ReplyOf<Extract<M, { type: K }>>>;
};

/** What travels through a mailbox: the message plus who sent it, when, and which causal trace. */
export interface Envelope<M extends Message = Message> {
  /** Unique per actor system; checkers use it to see a message delivered twice or lost. */
  readonly id: number;
  readonly msg: M;
  /** The sending actor's path, or undefined for a message from outside the actor tree. */
  readonly from: string | undefined;
  readonly sentAt: number;
  readonly traceId: number;
  /** Set for asks: the reply is matched to the request by it. */
  readonly correlationId: number | undefined;
  /** Internal: settles an ask. */
  readonly reply: ((ok: boolean, value: unknown) => void) | undefined;
}
