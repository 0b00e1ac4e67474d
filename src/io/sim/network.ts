// The simulated network of one world: datagrams between named nodes, delivered as scheduler events.
// Latency, bandwidth queueing, loss, duplication and reordering come from a per-link model; cuts
// (partitions, isolation, one-way blocks) are checked when a message would arrive, so a message in
// flight when a partition starts is lost, as on a real network.
import type { BugSwitches } from '../../kernel/bugs.ts';
import type { Owner } from '../../kernel/event-queue.ts';
import { hashBytes } from '../../kernel/hash.ts';
import type { Rng } from '../../kernel/rng.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';
import type { NetworkIO, NodeId, ReceiveHandler } from '../network.ts';
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
}

interface NodeState {
  up: boolean;
  owner: Owner | undefined;
  handler: ReceiveHandler | undefined;
}

interface Packet {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly payload: Uint8Array;
  readonly digest: number;
  readonly owner: Owner | undefined;
  duplicated: boolean;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
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
  /** When each directed link finishes transmitting what it already has (bandwidth queueing). */
  private readonly busyUntil = new Map<string, number>();
  private readonly rng: Rng;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly deliverFn = (p: Packet): void => this.deliver(p);

  constructor(private readonly o: SimNetworkOptions) {
    this.model = { ...defaultLinkModel, ...o.defaults };
    this.rng = o.rng;
  }

  addNode(id: NodeId): void {
    if (!this.nodes.has(id)) this.nodes.set(id, { up: false, owner: undefined, handler: undefined });
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
  }

  setNodeDown(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined) return;
    n.up = false;
    n.owner = undefined;
    n.handler = undefined;
  }

  endpoint(id: NodeId): NetworkIO {
    this.addNode(id);
    const node = this.nodes.get(id) as NodeState;
    const owner = node.owner;
    return {
      self: id,
      send: (to, payload) => {
        // A stale endpoint (from before a crash) can no longer send.
        if (node.owner !== owner || !node.up) return;
        this.send(id, to, payload, owner);
      },
      onReceive: (handler) => {
        if (node.owner === owner) node.handler = handler;
      },
      peers: () => this.nodeIds().filter((n) => n !== id),
    };
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
    return this.severed.has(`${from}>${to}`);
  }

  private cut(links: readonly string[]): CutId {
    const id = this.nextCut++;
    this.cuts.set(id, links);
    for (const l of links) this.severed.set(l, (this.severed.get(l) ?? 0) + 1);
    return id;
  }

  private linkModel(from: NodeId, to: NodeId): LinkModel {
    const o = this.overrides.get(`${from}>${to}`);
    return o === undefined ? this.model : { ...this.model, ...o };
  }

  private send(from: NodeId, to: NodeId, payload: Uint8Array, owner: Owner | undefined): void {
    const now = this.o.scheduler.now();
    const copy = payload.slice();
    const digest = hashBytes(copy);
    this.stats.sent++;
    this.o.observer?.({ kind: 'send', time: now, from, to, bytes: copy.length, digest });
    const m = this.linkModel(from, to);
    if (this.rng.chance(m.loss)) {
      this.drop({ from, to, payload: copy, digest, owner, duplicated: false }, 'loss');
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
    const packet: Packet = { from, to, payload: copy, digest, owner, duplicated: false };
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
    if (this.severed.has(`${p.from}>${p.to}`)) {
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
    // A duplicated packet is delivered twice: each receiver gets its own copy.
    node.handler(p.from, p.duplicated ? p.payload.slice() : p.payload);
  }

  private drop(p: Packet, reason: DropReason): void {
    this.stats.dropped++;
    this.o.observer?.({ kind: 'drop', reason, time: this.o.scheduler.now(), from: p.from, to: p.to, bytes: p.payload.length, digest: p.digest });
  }
}
