// The simulated network of one world: datagrams between named nodes, delivered as scheduler events.
// Latency, bandwidth queueing, loss, duplication and reordering come from a per-link model; cuts
// (partitions, isolation, one-way blocks) are checked when a message would arrive, so a message in
// flight when a partition starts is lost, as on a real network.
//
// Gossip travels as gossipsub carries it: a publisher sends to its mesh peers; a receiver drops what
// it has seen (by content, as the production message id), asks the node's gossip validator, and only
// on accept delivers it and forwards it to its own mesh peers, the forwarder being the sender its
// peers see. A node that has set no validator relays nothing.
import { sha256 } from '../../crypto/sha256.ts';
import type { BugSwitches } from '../../kernel/bugs.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import { hashBytes } from '../../kernel/hash.ts';
import type { Rng } from '../../kernel/rng.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import type { GossipKind, GossipValidator, NetworkIO, NodeId, ReceiveHandler } from '../network.ts';
import { toHex } from '../../types/hex.ts';
import { type LinkModel, defaultLinkModel, drawLatency } from './link-model.ts';

/** The identity of one cut (a partition, an isolation, a blocked link), so it heals on its own. */
export type CutId = number;

export type DropReason = 'loss' | 'partition' | 'node-down' | 'no-handler';

export type NetworkEvent =
  | { readonly kind: 'send' | 'deliver' | 'duplicate'; readonly time: number; readonly from: NodeId; readonly to: NodeId; readonly bytes: number; readonly digest: number }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly time: number; readonly from: NodeId; readonly to: NodeId; readonly bytes: number; readonly digest: number };

export type NetworkObserver = (e: NetworkEvent) => void;

export interface SimNetworkOptions {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly bugs?: BugSwitches;
  readonly defaults?: Partial<LinkModel>;
  readonly observer?: NetworkObserver;
  /** Gossip mesh degree (gossipsub's D): with more peers than this, each node's mesh is its ring neighbours. */
  readonly meshDegree?: number;
}

/** How long a node remembers a gossip message id (gossipsub's seen cache). */
export const GOSSIP_SEEN_MS = 120_000;

/** A simulated node's endpoint; a Byzantine node may also hand any gossip straight to one peer. */
export interface SimEndpoint extends NetworkIO {
  /** Sends `payload` as gossip of `kind` to `to` alone, as a peer speaking gossipsub may. */
  injectGossip(to: NodeId, kind: GossipKind, payload: Uint8Array): void;
}

interface NodeState {
  up: boolean;
  owner: Owner | undefined;
  handler: ReceiveHandler | undefined;
  validator: GossipValidator | undefined;
  /** Gossip message ids seen, with when they may be forgotten (insertion order is time order). */
  seen: Map<string, number>;
}

interface Packet {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly payload: Uint8Array;
  readonly digest: number;
  readonly owner: Owner | undefined;
  duplicated: boolean;
  /** Set for gossip: the topic it travels on. */
  readonly gossip?: GossipKind;
  /**
   * Gossip's message id (the hash of its bytes), set once the bytes were hashed: a relay forwards
   * the bytes it received, so every hop after the first reuses the id instead of hashing again.
   */
  readonly gossipId?: string;
}

/** What is already known of a payload's bytes when it is sent on (a relay): its digest and gossip id. */
interface Known {
  readonly digest: number;
  readonly gossipId: string;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  /** Gossip a node had already seen (dropped without asking the validator). */
  gossipSeen: number;
  /** Gossip forwarded by a node after its validator accepted it. */
  gossipRelayed: number;
}

export class SimNetwork {
  private readonly nodes = new Map<NodeId, NodeState>();
  private model: LinkModel;
  private readonly overrides = new Map<string, Partial<LinkModel>>();
  /**
   * Active cuts by identity, each the directed links "from>to" it severs, and how many active cuts
   * sever each link: overlapping cuts heal separately, so a short isolation that expires does not
   * end a longer partition early.
   */
  private readonly cuts = new Map<CutId, readonly string[]>();
  private readonly severed = new Map<string, number>();
  private nextCut = 1;
  /** Bumped whenever a cut starts or heals: while it stays, isCut answers as it did. */
  cutsVersion = 0;
  /** When each directed link finishes transmitting what it already has (bandwidth queueing). */
  private readonly busyUntil = new Map<string, number>();
  private readonly rng: Rng;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, gossipSeen: 0, gossipRelayed: 0 };
  private readonly deliverFn = (p: Packet): void => this.deliver(p);
  /** Each node's mesh, computed once per set of nodes (it depends on nothing else). */
  private readonly meshes = new Map<NodeId, readonly NodeId[]>();

  constructor(private readonly o: SimNetworkOptions) {
    this.model = { ...defaultLinkModel, ...o.defaults };
    this.rng = o.rng;
  }

  addNode(id: NodeId): void {
    if (this.nodes.has(id)) return;
    this.nodes.set(id, { up: false, owner: undefined, handler: undefined, validator: undefined, seen: new Map() });
    this.meshes.clear();
  }

  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  /** The node's incarnation is up: messages to it are delivered to the handler it registers. */
  setNodeUp(id: NodeId, owner: Owner): void {
    this.addNode(id);
    const n = this.nodes.get(id) as NodeState;
    n.up = true;
    n.owner = owner;
    n.handler = undefined;
    n.validator = undefined;
    n.seen = new Map();
  }

  setNodeDown(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined) return;
    n.up = false;
    n.owner = undefined;
    n.handler = undefined;
    n.validator = undefined;
  }

  endpoint(id: NodeId): SimEndpoint {
    this.addNode(id);
    const node = this.nodes.get(id) as NodeState;
    const owner = node.owner;
    // A stale endpoint (from before a crash) can no longer send.
    const live = (): boolean => node.owner === owner && node.up;
    return {
      self: id,
      send: (to, payload) => {
        if (live()) this.send(id, to, payload, owner);
      },
      onReceive: (handler) => {
        if (node.owner === owner) node.handler = handler;
      },
      peers: () => this.nodeIds().filter((n) => n !== id),
      gossip: (kind, payload) => {
        if (!live()) return;
        const bytes = payload.slice();
        const known = { digest: hashBytes(bytes), gossipId: this.gossipId(bytes) };
        this.remember(node, known.gossipId);
        for (const to of this.meshOf(id)) this.send(id, to, bytes, owner, kind, known);
      },
      onGossip: (validate) => {
        if (node.owner === owner) node.validator = validate;
      },
      injectGossip: (to, kind, payload) => {
        if (live()) this.send(id, to, payload, owner, kind);
      },
    };
  }

  /** The node's gossip mesh: every other node, or with more than D of them its D ring neighbours. */
  meshOf(id: NodeId): readonly NodeId[] {
    const cached = this.meshes.get(id);
    if (cached !== undefined) return cached;
    const all = this.nodeIds();
    const d = this.o.meshDegree ?? 8;
    let out: NodeId[];
    if (all.length - 1 <= d) out = all.filter((n) => n !== id);
    else {
      const at = all.indexOf(id);
      out = [];
      for (let k = 1; out.length < d; k++) {
        out.push(all[(at + k) % all.length] as NodeId);
        if (out.length < d) out.push(all[(at - k + all.length) % all.length] as NodeId);
      }
    }
    this.meshes.set(id, out);
    return out;
  }

  private gossipId(payload: Uint8Array): string {
    return toHex(sha256(payload));
  }

  /** Records a gossip id as seen; false if it already was. Forgets ids older than GOSSIP_SEEN_MS. */
  private remember(node: NodeState, msgId: string): boolean {
    const now = this.o.scheduler.now();
    for (const [k, until] of node.seen) {
      if (until > now) break;
      node.seen.delete(k);
    }
    if (node.seen.has(msgId)) return false;
    node.seen.set(msgId, now + GOSSIP_SEEN_MS);
    return true;
  }

  /**
   * Gossip arriving at a node: seen before, dropped; else judged by the node's validator, and only
   * if accepted delivered (from the peer that forwarded it) and forwarded to the node's mesh.
   */
  private receiveGossip(node: NodeState, to: NodeId, p: Packet, kind: GossipKind): void {
    const known = { digest: p.digest, gossipId: p.gossipId ?? this.gossipId(p.payload) };
    if (!this.remember(node, known.gossipId)) {
      this.stats.gossipSeen++;
      return;
    }
    const payload = p.duplicated ? p.payload.slice() : p.payload;
    const verdict = node.validator?.(p.from, kind, payload) ?? { result: 'ignore', reason: 'no-validator' };
    if (verdict.result !== 'accept') return;
    node.handler?.(p.from, payload, kind);
    // The handler may have crashed the node (its owner changes): a dead node forwards nothing.
    if (!node.up) return;
    for (const next of this.meshOf(to)) {
      if (next === p.from) continue;
      this.stats.gossipRelayed++;
      this.send(to, next, p.payload, node.owner, kind, known);
    }
  }

  setDefaults(model: Partial<LinkModel>): void {
    this.model = { ...this.model, ...model };
  }

  setLink(from: NodeId, to: NodeId, model: Partial<LinkModel>): void {
    this.overrides.set(`${from}>${to}`, model);
  }

  partition(groups: readonly (readonly NodeId[])[]): CutId {
    const links: string[] = [];
    const groupOf = new Map<NodeId, number>();
    groups.forEach((g, i) => {
      for (const n of g) groupOf.set(n, i);
    });
    for (const a of this.nodes.keys()) {
      for (const b of this.nodes.keys()) {
        if (a === b) continue;
        const ga = groupOf.get(a);
        const gb = groupOf.get(b);
        // Nodes named in no group keep talking to everyone.
        if (ga !== undefined && gb !== undefined && ga !== gb) links.push(`${a}>${b}`);
      }
    }
    return this.cut(links);
  }

  isolate(id: NodeId): CutId {
    const links: string[] = [];
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      links.push(`${id}>${other}`, `${other}>${id}`);
    }
    return this.cut(links);
  }

  blockLink(from: NodeId, to: NodeId): CutId {
    return this.cut([`${from}>${to}`]);
  }

  /** Lifts one cut (the others stay), or with no argument every cut (an explicit heal). */
  heal(cut?: CutId): void {
    this.cutsVersion++;
    if (cut === undefined) {
      this.cuts.clear();
      this.severed.clear();
      return;
    }
    const links = this.cuts.get(cut);
    if (links === undefined) return;
    this.cuts.delete(cut);
    for (const l of links) {
      const n = (this.severed.get(l) ?? 0) - 1;
      if (n > 0) this.severed.set(l, n);
      else this.severed.delete(l);
    }
  }

  /** Cuts still active, by identity. */
  activeCuts(): CutId[] {
    return [...this.cuts.keys()];
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.severed.size > 0 && this.severed.has(`${from}>${to}`);
  }

  private cut(links: readonly string[]): CutId {
    const id = this.nextCut++;
    this.cutsVersion++;
    this.cuts.set(id, links);
    for (const l of links) this.severed.set(l, (this.severed.get(l) ?? 0) + 1);
    return id;
  }

  private linkModel(from: NodeId, to: NodeId): LinkModel {
    if (this.overrides.size === 0) return this.model;
    const o = this.overrides.get(`${from}>${to}`);
    return o === undefined ? this.model : { ...this.model, ...o };
  }

  /**
   * `known` is what the sender already knows of these exact bytes (a relay forwarding what it
   * received, a publisher sending one message to its whole mesh): it is not hashed again.
   */
  private send(from: NodeId, to: NodeId, payload: Uint8Array, owner: Owner | undefined, gossip?: GossipKind, known?: Known): void {
    const now = this.o.scheduler.now();
    const copy = payload.slice();
    const digest = known?.digest ?? hashBytes(copy);
    const extra = gossip === undefined ? {} : known === undefined ? { gossip } : { gossip, gossipId: known.gossipId };
    this.stats.sent++;
    this.o.observer?.({ kind: 'send', time: now, from, to, bytes: copy.length, digest });
    const m = this.linkModel(from, to);
    if (this.rng.chance(m.loss)) {
      this.drop({ from, to, payload: copy, digest, owner, duplicated: false, ...extra }, 'loss');
      return;
    }
    let start = now;
    if (m.bandwidthBytesPerMs !== undefined) {
      const key = `${from}>${to}`;
      const busy = Math.max(now, this.busyUntil.get(key) ?? 0);
      const done = busy + copy.length / m.bandwidthBytesPerMs;
      this.busyUntil.set(key, done);
      start = done;
    }
    const packet: Packet = { from, to, payload: copy, digest, owner, duplicated: false, ...extra };
    this.o.scheduler.schedule(start - now + drawLatency(m, this.rng), this.deliverFn, packet);
    if (this.rng.chance(m.duplicate)) {
      this.stats.duplicated++;
      packet.duplicated = true;
      this.o.observer?.({ kind: 'duplicate', time: now, from, to, bytes: copy.length, digest });
      this.o.scheduler.schedule(start - now + drawLatency(m, this.rng), this.deliverFn, packet);
    }
  }

  private deliver(p: Packet): void {
    const node = this.nodes.get(p.to);
    if (node === undefined || !node.up) {
      this.drop(p, 'node-down');
      return;
    }
    if (this.severed.size > 0 && this.severed.has(`${p.from}>${p.to}`)) {
      const leak = this.o.bugs?.has('leaky-partition') === true && this.rng.chance(0.05);
      if (!leak) {
        this.drop(p, 'partition');
        return;
      }
    }
    if (node.handler === undefined) {
      this.drop(p, 'no-handler');
      return;
    }
    this.stats.delivered++;
    this.o.observer?.({ kind: 'deliver', time: this.o.scheduler.now(), from: p.from, to: p.to, bytes: p.payload.length, digest: p.digest });
    if (p.gossip !== undefined) {
      this.receiveGossip(node, p.to, p, p.gossip);
      return;
    }
    // A duplicated packet is delivered twice: each receiver gets its own copy.
    node.handler(p.from, p.duplicated ? p.payload.slice() : p.payload);
  }

  private drop(p: Packet, reason: DropReason): void {
    this.stats.dropped++;
    this.o.observer?.({ kind: 'drop', reason, time: this.o.scheduler.now(), from: p.from, to: p.to, bytes: p.payload.length, digest: p.digest });
  }
}
