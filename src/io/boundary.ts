// The node's IO boundary: every effect of the world on a running node crosses it, and so does every
// effect of the node on the world. Production crosses it live (src/io/prod/live-boundary.ts), and can
// record each crossing; a replay (src/io/replay) crosses it from a recording and checks that the node
// says the same things again. The wrappers below put each IO interface on a boundary; production and
// replay use the very same wrappers, so they number calls and name inputs identically.
import type { BitcoinClient } from './bitcoin.ts';
import type { ExecutionClient } from './execution.ts';
import type { GovernanceLink, GovernanceStream, GovernanceStreamHandlers } from './governance.ts';
import type { GossipKind, GossipValidator, GossipVerdict, NetworkIO, NodeId, ReceiveHandler } from './network.ts';
import type { StorageIO } from './storage.ts';

export interface Boundary {
  /** The node asks the world; the answer arrives later, as a scheduler event. */
  call<T>(name: string, args: readonly unknown[], start: () => Promise<T>): Promise<T>;
  /** The node tells the world something that has no answer. */
  tell(name: string, args: readonly unknown[], run: () => void): void;
  /** The node reads the world's state now. */
  read<T>(name: string, f: () => T): T;
  /**
   * The node's handler for what the world pushes under `name`. The world calls the returned function;
   * the handler runs as a scheduler event, and what it returns (or throws) goes back to the world.
   */
  listen<A extends unknown[], R>(name: string, handler: (...args: A) => R): (...args: A) => Promise<Awaited<R>>;
}

/** An object whose named methods all answer with promises, each one put on the boundary as `prefix.method`. */
function asyncMethods<T extends object>(b: Boundary, prefix: string, target: T, methods: readonly (keyof T & string)[]): T {
  const out: Record<string, unknown> = {};
  for (const m of methods) {
    out[m] = (...args: unknown[]) => b.call(`${prefix}.${m}`, args, () => (target[m] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
  }
  return out as T;
}

export const boundedStorage = (b: Boundary, s: StorageIO): StorageIO => asyncMethods(b, 'storage', s, ['get', 'write', 'scan', 'sync']);

export const boundedExecution = (b: Boundary, e: ExecutionClient): ExecutionClient => asyncMethods(b, 'engine', e, ['forkchoiceUpdated', 'getPayload', 'newPayload', 'getLogs', 'headBlock']);

export const boundedBitcoin = (b: Boundary, c: BitcoinClient): BitcoinClient =>
  asyncMethods(b, 'bitcoin', c, ['getBlockCount', 'getBlockHash', 'getBlock', 'getConfirmations', 'listUnspent', 'getOutput', 'estimateFeeRate', 'sendRawTransaction']);

export const boundedFunction = <A extends unknown[], R>(b: Boundary, name: string, f: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) => (...args: A) => b.call(name, args, () => f(...args));

/** A transport whose gossip validator may answer later (gossipsub awaits it). */
export type AsyncGossipValidator = (from: NodeId, kind: GossipKind, payload: Uint8Array) => Promise<GossipVerdict>;
export type AsyncNetworkIO = Omit<NetworkIO, 'onGossip'> & { onGossip?(validate: AsyncGossipValidator): void };

export function boundedNetwork(b: Boundary, net: AsyncNetworkIO): NetworkIO {
  return {
    self: net.self,
    send: (to, payload) => b.tell('net.send', [to, payload], () => net.send(to, payload)),
    onReceive: (handler: ReceiveHandler) => net.onReceive(b.listen('net.receive', handler)),
    peers: () => b.read('net.peers', () => net.peers()),
    ...(net.ban !== undefined ? { ban: (peer: string, untilMs: number) => b.tell('net.ban', [peer, untilMs], () => net.ban?.(peer, untilMs)) } : {}),
    ...(net.reportScore !== undefined ? { reportScore: (peer: string, score: number) => b.tell('net.score', [peer, score], () => net.reportScore?.(peer, score)) } : {}),
    ...(net.gossip !== undefined ? { gossip: (kind: GossipKind, payload: Uint8Array) => b.tell('net.gossip', [kind, payload], () => net.gossip?.(kind, payload)) } : {}),
    // The validator reads the chain's state and tells actors: it runs as an event, like any input.
    ...(net.onGossip !== undefined ? { onGossip: (validate: GossipValidator) => net.onGossip?.(b.listen('net.validate', validate)) } : {}),
  };
}

export function boundedGovernance(b: Boundary, link: GovernanceLink): GovernanceLink {
  let connections = 0;
  return {
    connect: async (h: GovernanceStreamHandlers): Promise<GovernanceStream> => {
      // Each connection's inputs are named for it: a late close of an old stream is not the new one's.
      const k = connections++;
      let stream: GovernanceStream | undefined;
      const message = b.listen(`gov.${k}.message`, h.onMessage);
      const malformed = b.listen(`gov.${k}.malformed`, h.onMalformed);
      const close = b.listen(`gov.${k}.close`, h.onClose);
      const handlers: GovernanceStreamHandlers = {
        onMessage: (m) => void message(m).catch(() => undefined),
        onMalformed: (e) => void malformed(e).catch(() => undefined),
        onClose: (r) => void close(r).catch(() => undefined),
      };
      await b.call('gov.connect', [k], async () => {
        stream = await link.connect(handlers);
        return null;
      });
      return {
        send: (m) => b.tell('gov.send', [k, m], () => stream?.send(m)),
        close: () => b.tell('gov.close', [k], () => stream?.close()),
      };
    },
  };
}

/**
 * Runs a listened handler and tells `done` how it ended, at once when it returns or throws, when its
 * promise settles otherwise: production and replay both answer an input this way, so the answer
 * comes at the same point of the run in both.
 */
export function runHandler(handler: (...args: never[]) => unknown, args: readonly unknown[], done: (ok: boolean, v: unknown) => void): void {
  let r: unknown;
  try {
    r = (handler as (...a: readonly unknown[]) => unknown)(...args);
  } catch (err) {
    done(false, err);
    return;
  }
  if (r instanceof Promise) r.then((v: unknown) => done(true, v), (err: unknown) => done(false, err));
  else done(true, r);
}
