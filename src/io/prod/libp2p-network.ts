// The production NetworkIO: the same bytes-between-named-nodes interface as the simulated network,
// carried by libp2p (TCP, Noise, Yamux). Unicast goes over our own length-prefixed protocol on one
// reused stream per peer; blocks, approvals and auxpow also travel by gossipsub. Frames that are too
// big or malformed are refused and cost the sender score; bans are enforced by the connection gater.
// Every gossip message passes the node's validator (gossipsub's topic validator) before gossipsub
// delivers or relays it: a reject counts against the propagation source in gossipsub's own score
// (invalid-message deliveries, graylisting), which also carries the node's score of the peer.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { type GossipSub, type GossipsubOpts, TopicValidatorResult, gossipsub } from '@libp2p/gossipsub';
import type { MetricsRegister } from '@libp2p/gossipsub/metrics';
import { identify } from '@libp2p/identify';
import type { Connection, Libp2p, PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import * as lp from 'it-length-prefixed';
import { createLibp2p } from 'libp2p';
import { createHash } from 'node:crypto';
import type { GossipKind, GossipVerdict, NetworkIO, NodeId, ReceiveHandler } from '../network.ts';
import { PeerGate } from './libp2p-peer-gate.ts';

export const MSG_PROTOCOL = '/alys/msg/1.0.0';
export const GossipTopic = { block: '/alys/block/1', approval: '/alys/approval/1', auxpow: '/alys/auxpow/1' } as const satisfies Record<GossipKind, string>;
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * Least time libp2p's connection monitor waits for a ping's answer before it closes the connection.
 * The ping travels behind whatever the connection already carries: a 3 MB sync response on a
 * 400 KB/s link held it 7.7 s, past the library's 5 s, and the monitor closed a healthy connection
 * with the response in it (the legacy sync then waited out its 300 s time-out). A full-size message
 * (4 MB) on a 100 KB/s link, or a few on 400 KB/s, is 40 s; a peer that is really gone is still
 * dropped within a minute and a half of its last answer.
 */
export const PING_TIMEOUT_MS = 60_000;
/** Score cost of a frame that is too big or cannot be parsed: two strikes and the peer is banned. */
export const FRAME_PENALTY = -50;

export interface Libp2pNetworkOptions {
  /** Default '/ip4/127.0.0.1/tcp/0'. */
  readonly listen?: string;
  /** Peers to dial at start and redial while disconnected (with /p2p/<id> to be recognised). */
  readonly bootstrap?: readonly (Multiaddr | string)[];
  /**
   * The addresses identify tells peers to dial, in place of the listen addresses; [] tells them
   * none, so they reach this node only at the addresses they were configured with (a proxy, a NAT).
   */
  readonly announce?: readonly string[];
  /** A libp2p key, or a 32-byte seed for an Ed25519 key: the same seed gives the same node id. */
  readonly privateKey?: PrivateKey | Uint8Array;
  readonly maxMessageBytes?: number;
  /** Topics subscribed at start; default all three Alys topics. */
  readonly gossipTopics?: readonly string[];
  readonly redialMs?: number;
  /** Where gossipsub registers its own metrics (invalid and dropped messages by reason, scores…). */
  readonly metricsRegister?: MetricsRegister;
  /**
   * Test-only fault injection at the transport: a message for which this answers true is dropped
   * as a lost packet would be. No configuration sets it: only a test harness that starts the node
   * in-process (harness/faulty-node.ts) can.
   */
  readonly dropOutbound?: (to: NodeId, payload: Uint8Array) => boolean;
  /**
   * Told when a direct message could not be written: `final` false when the write is tried again on
   * a fresh stream, true when that failed too and the message is dropped (the node logs it).
   */
  readonly onSendFailure?: (to: NodeId, bytes: number, err: unknown, final: boolean) => void;
}

/** Direct messages: written, written on a second stream after the first failed, dropped after both failed. */
export interface SendStats {
  sent: number;
  retried: number;
  dropped: number;
}

/** The node's gossip validator; in production it answers through the real-time driver. */
export type AsyncGossipValidator = (from: NodeId, kind: GossipKind, payload: Uint8Array) => GossipVerdict | Promise<GossipVerdict>;

/**
 * Gossipsub's peer scoring for Alys topics. Traffic is sparse (a block per slot), so the mesh
 * delivery-rate penalties are off; what counts is invalid messages (P4, quadratic: four rejected
 * blocks graylist a peer) and the node's own score of the peer (the application score, the same
 * penalties that ban it).
 */
export function alysScoreParams(appScore: (peer: NodeId) => number): Pick<GossipsubOpts, 'scoreParams' | 'scoreThresholds'> {
  const topic = (topicWeight: number) => ({
    topicWeight,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -20,
    invalidMessageDeliveriesDecay: 0.99,
  });
  return {
    scoreParams: {
      topics: { [GossipTopic.block]: topic(1), [GossipTopic.approval]: topic(0.5), [GossipTopic.auxpow]: topic(0.5) },
      appSpecificScore: (p) => appScore(p),
      appSpecificWeight: 1,
    },
    scoreThresholds: { gossipThreshold: -50, publishThreshold: -100, graylistThreshold: -200, acceptPXThreshold: 10, opportunisticGraftThreshold: 5 },
  };
}

/** What became of this node's own gossip (for tests and metrics). */
export interface GossipStats {
  /** Handed to gossipsub (possibly to no peer yet). */
  published: number;
  /** Refused by gossipsub: the same bytes were already seen (received or published) recently. */
  duplicates: number;
  /** Refused here (too big, stopped) or failed in gossipsub for another reason. */
  failed: number;
}

/**
 * Content-addressed message id, as Ethereum clients use with StrictNoSign: the same bytes are the
 * same message whoever publishes them, so a block relayed by a node that received it is a duplicate.
 */
export function gossipMsgId(msg: { readonly data: Uint8Array }): Uint8Array {
  const d = createHash('sha256').update(msg.data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export class Libp2pNetwork implements NetworkIO {
  readonly self: NodeId;
  readonly gossipStats: GossipStats = { published: 0, duplicates: 0, failed: 0 };
  readonly sendStats: SendStats = { sent: 0, retried: 0, dropped: 0 };
  private handler: ReceiveHandler | undefined;
  private validator: AsyncGossipValidator | undefined;
  /** The node's score of each peer (PeerActor), for gossipsub's application score. */
  private readonly appScores = new Map<NodeId, number>();
  private readonly outbound = new Map<NodeId, Stream>();
  private readonly queues = new Map<NodeId, Promise<void>>();
  private readonly redial: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly libp2p: Libp2p<{ pubsub: GossipSub }>,
    private readonly gate: PeerGate,
    private bootstrap: readonly Multiaddr[],
    readonly maxMessageBytes: number,
    redialMs: number,
    private readonly dropOutbound?: (to: NodeId, payload: Uint8Array) => boolean,
    private readonly onSendFailure?: Libp2pNetworkOptions['onSendFailure'],
  ) {
    this.self = libp2p.peerId.toString();
    this.redial = setInterval(() => this.dialBootstrap(), redialMs);
    this.redial.unref();
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  /** Until a validator is set, gossip is ignored: nothing is relayed that the node has not judged. */
  onGossip(validate: AsyncGossipValidator): void {
    this.validator = validate;
  }

  /** Gossipsub's topic validator: the node's verdict, from the peer that forwarded the message. */
  async validateGossip(from: NodeId, kind: GossipKind, payload: Uint8Array): Promise<TopicValidatorResult> {
    if (this.stopped || this.validator === undefined || this.gate.isBanned(from)) return TopicValidatorResult.Ignore;
    const v = await this.validator(from, kind, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    return v.result === 'accept' ? TopicValidatorResult.Accept : v.result === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
  }

  reportScore(peer: NodeId, score: number): void {
    this.appScores.set(peer, score);
  }

  /** The node's score of the peer plus the transport's frame penalties (gossipsub's application score). */
  appScore(peer: NodeId): number {
    return (this.appScores.get(peer) ?? 0) + this.gate.score(peer) + (this.gate.isBanned(peer) ? -1_000 : 0);
  }

  /** Gossipsub's score of the peer (below -200 it is graylisted: its RPCs are ignored). */
  gossipScore(peer: NodeId): number {
    // On the implementation, not on gossipsub's exported interface.
    return (this.libp2p.services.pubsub as unknown as { getScore(p: string): number }).getScore(peer);
  }

  peers(): readonly NodeId[] {
    return this.libp2p.getPeers().map(String).filter((p) => !this.gate.isBanned(p));
  }

  /** Ordered per peer, best effort: refused when too big, dropped when the peer cannot be reached. */
  send(to: NodeId, payload: Uint8Array): void {
    if (this.stopped || payload.length > this.maxMessageBytes || this.gate.isBanned(to)) return;
    if (this.dropOutbound?.(to, payload) === true) return;
    const copy = payload.slice();
    const next = (this.queues.get(to) ?? Promise.resolve())
      .then(() => this.write(to, copy))
      .catch((err: unknown) => {
        this.sendStats.retried++;
        this.onSendFailure?.(to, copy.length, err, false);
        return this.write(to, copy, true);
      })
      .then(
        () => {
          this.sendStats.sent++;
        },
        // Nothing is thrown out of the queue: the next message to this peer still goes.
        (err: unknown) => {
          this.sendStats.dropped++;
          this.onSendFailure?.(to, copy.length, err, true);
        },
      );
    this.queues.set(to, next);
    void next.then(() => {
      if (this.queues.get(to) === next) this.queues.delete(to);
    });
  }

  /**
   * Best effort, never throws: spreads the payload through the kind's gossipsub topic. Refused when
   * too big or stopped; a duplicate (same bytes already seen) or a publish error is counted and dropped.
   */
  gossip(kind: GossipKind, payload: Uint8Array): void {
    const topic = GossipTopic[kind];
    if (this.stopped || topic === undefined || payload.length > this.maxMessageBytes) {
      this.gossipStats.failed++;
      return;
    }
    let sent: Promise<number>;
    try {
      sent = this.publish(topic, payload.slice());
    } catch {
      this.gossipStats.failed++;
      return;
    }
    sent.then(
      () => {
        this.gossipStats.published++;
      },
      (err: unknown) => {
        if (err instanceof Error && err.message === 'PublishError.Duplicate') this.gossipStats.duplicates++;
        else this.gossipStats.failed++;
      },
    );
  }

  /** Gossips to the topic's peers; resolves with how many peers it was sent to. */
  async publish(topic: string, payload: Uint8Array): Promise<number> {
    if (payload.length > this.maxMessageBytes) throw new RangeError(`gossip of ${payload.length} bytes exceeds ${this.maxMessageBytes}`);
    const r = await this.libp2p.services.pubsub.publish(topic, payload);
    return r.recipients.length;
  }

  subscribe(topic: string): void {
    this.libp2p.services.pubsub.subscribe(topic);
  }

  /** Peers known to be subscribed to the topic. */
  topicPeers(topic: string): readonly NodeId[] {
    return this.libp2p.services.pubsub.getSubscribers(topic).map(String);
  }

  penalize(peer: NodeId, delta: number): void {
    const until = this.gate.penalize(peer, delta);
    if (until !== undefined) this.ban(peer, until);
  }

  score(peer: NodeId): number {
    return this.gate.score(peer);
  }

  /** Closes every connection to the peer and refuses new ones until `untilMs` (epoch ms). */
  ban(peer: NodeId, untilMs: number): void {
    this.gate.ban(peer, untilMs);
    this.outbound.get(peer)?.abort(new Error('peer banned'));
    this.outbound.delete(peer);
    for (const c of this.libp2p.getConnections(peerIdFromString(peer))) c.abort(new Error('peer banned'));
  }

  isBanned(peer: NodeId): boolean {
    return this.gate.isBanned(peer);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.redial);
    this.handler = undefined;
    await this.libp2p.stop();
  }

  /** A new peer list (a config reload): dialled now, and redialled while disconnected from then on. */
  setBootstrap(addrs: readonly (Multiaddr | string)[]): void {
    this.bootstrap = addrs.map((a) => multiaddr(a.toString()));
    this.dialBootstrap();
  }

  dialBootstrap(): void {
    const connected = new Set(this.libp2p.getPeers().map(String));
    for (const addr of this.bootstrap) {
      const id = addr.getComponents().findLast((c) => c.name === 'p2p')?.value;
      if (this.stopped || id === this.self || (id !== undefined && (connected.has(id) || this.gate.isBanned(id)))) continue;
      this.libp2p.dial(addr).catch(() => undefined);
    }
  }

  deliver(from: NodeId, payload: Uint8Array, gossip?: GossipKind): void {
    if (this.stopped || from === this.self || this.gate.isBanned(from)) return;
    // Node Buffers compare unequal to plain arrays of the same bytes: hand on a plain view.
    const view = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    if (gossip === undefined) this.handler?.(from, view);
    else this.handler?.(from, view, gossip);
  }

  /** Reads length-prefixed frames from a peer's stream until it ends or misbehaves. */
  async readFrames(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    try {
      for await (const frame of lp.decode(stream, { maxDataLength: this.maxMessageBytes })) {
        if (this.gate.isBanned(from)) throw new Error('peer banned');
        this.deliver(from, frame.subarray());
      }
    } catch (err) {
      if (this.stopped || this.gate.isBanned(from) || stream.status !== 'open') return;
      this.penalize(from, FRAME_PENALTY);
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async write(to: NodeId, payload: Uint8Array, fresh = false): Promise<void> {
    if (this.stopped || this.gate.isBanned(to)) return;
    let stream = this.outbound.get(to);
    if (fresh || stream === undefined || stream.writeStatus !== 'writable') {
      stream?.abort(new Error('replaced'));
      const s = await this.libp2p.dialProtocol(peerIdFromString(to), MSG_PROTOCOL);
      s.addEventListener('close', () => {
        if (this.outbound.get(to) === s) this.outbound.delete(to);
      });
      this.outbound.set(to, s);
      stream = s;
    }
    if (!stream.send(lp.encode.single(payload))) await stream.onDrain();
  }
}

export async function createLibp2pNetwork(o: Libp2pNetworkOptions = {}): Promise<Libp2pNetwork> {
  const maxMessageBytes = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const privateKey = o.privateKey instanceof Uint8Array ? await keyFromSeed(o.privateKey) : o.privateKey;
  const gate = new PeerGate();
  // The network object exists only once libp2p does; gossipsub asks it for scores later.
  const late: { net?: Libp2pNetwork } = {};
  const kindOf = new Map<string, GossipKind>(Object.entries(GossipTopic).map(([k, t]) => [t, k as GossipKind]));
  const node = await createLibp2p({
    ...(privateKey === undefined ? {} : { privateKey }),
    addresses: {
      listen: [o.listen ?? '/ip4/127.0.0.1/tcp/0'],
      ...(o.announce === undefined ? {} : { announce: [...o.announce], announceFilter: () => o.announce?.map((a) => multiaddr(a)) ?? [] }),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: gate.gater(),
    connectionMonitor: { pingTimeout: { minTimeout: PING_TIMEOUT_MS, maxTimeout: 2 * PING_TIMEOUT_MS } },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // As Ethereum clients do: no author, seqno or signature on the wire (the payloads carry their
        // own signatures), and the message id is the hash of the bytes, so gossipsub deduplicates by
        // content however many nodes publish or relay the same block.
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: gossipMsgId,
        allowPublishToZeroTopicPeers: true,
        // Our own messages are not handed back to us (the seen cache also drops echoes from peers).
        emitSelf: false,
        // Room for the RPC envelope (topic, control messages) around one full-size message.
        maxInboundDataLength: maxMessageBytes + 64 * 1024,
        ...alysScoreParams((p) => late.net?.appScore(p) ?? 0),
        ...(o.metricsRegister !== undefined ? { metricsRegister: o.metricsRegister, metricsTopicStrToLabel: new Map([...kindOf].map(([t, k]) => [t, k])) } : {}),
      }),
    },
  });
  const created = new Libp2pNetwork(node, gate, (o.bootstrap ?? []).map((a) => multiaddr(a.toString())), maxMessageBytes, o.redialMs ?? 5_000, o.dropOutbound, o.onSendFailure);
  late.net = created;
  try {
    // Validation before relaying: gossipsub awaits the topic validator, then forwards only on Accept.
    for (const [topic, kind] of kindOf) node.services.pubsub.topicValidators.set(topic, (peer, msg) => created.validateGossip(peer.toString(), kind, msg.data));
    await node.handle(MSG_PROTOCOL, (stream, connection) => {
      void created.readFrames(stream, connection);
    });
    // Only accepted messages are dispatched (the topic validator ran first).
    node.services.pubsub.addEventListener('gossipsub:message', (e) => {
      const kind = kindOf.get(e.detail.msg.topic);
      if (kind !== undefined) created.deliver(e.detail.propagationSource.toString(), e.detail.msg.data, kind);
    });
    for (const t of o.gossipTopics ?? Object.values(GossipTopic)) created.subscribe(t);
    created.dialBootstrap();
  } catch (err) {
    await created.stop();
    throw err;
  }
  return created;
}

export async function keyFromSeed(seed: Uint8Array): Promise<PrivateKey> {
  if (seed.length !== 32) throw new RangeError(`identity seed must be 32 bytes, got ${seed.length}`);
  return generateKeyPairFromSeed('Ed25519', seed);
}
