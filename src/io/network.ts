// The network as a node sees it: unreliable datagrams of bytes between named nodes. Everything above
// (gossip, request/response, peer scoring) is built on this, so that the simulated network and
// libp2p are interchangeable and a Byzantine peer can send any bytes at all.
export type NodeId = string;

/** What travels by gossip when the transport has it (libp2p gossipsub topics); the rest is unicast. */
export type GossipKind = 'block' | 'approval' | 'auxpow';

/**
 * `gossip` is set when the payload came by gossip: it then passed the node's gossip validator, and
 * `from` is the peer that forwarded it (gossipsub's propagation source), not necessarily its author.
 */
export type ReceiveHandler = (from: NodeId, payload: Uint8Array, gossip?: GossipKind) => void;

/**
 * What the node answers for a gossip message before the transport relays it (gossipsub's
 * Accept / Reject / Ignore): accept relays and delivers it; reject drops it and counts against the
 * peer that sent it; ignore drops it with no penalty (a duplicate, too old, not judgeable yet).
 */
export type GossipResult = 'accept' | 'reject' | 'ignore';

export interface GossipVerdict {
  readonly result: GossipResult;
  /** Short and label-safe (it becomes a metric label): 'undecodable', 'bad-signature', 'too-old'… */
  readonly reason: string;
}

/** The node's decision on one gossip message from `from` (the immediate sender). */
export type GossipValidator = (from: NodeId, kind: GossipKind, payload: Uint8Array) => GossipVerdict;

export interface NetworkIO {
  readonly self: NodeId;
  /** Best effort: the message may be delayed, lost, duplicated or reordered. */
  send(to: NodeId, payload: Uint8Array): void;
  /** Replaces the receive handler (one per node incarnation). */
  onReceive(handler: ReceiveHandler): void;
  /** The peers this node currently knows of (not necessarily reachable). */
  peers(): readonly NodeId[];
  /** Optional: disconnect and refuse `peer` until `untilMs` (clock ms), at the transport. */
  ban?(peer: NodeId, untilMs: number): void;
  /** Optional: the node's score of `peer`, for a transport that scores peers itself (gossipsub). */
  reportScore?(peer: NodeId, score: number): void;
  /**
   * Optional: spread to every node through the transport's gossip (libp2p gossipsub, one topic per
   * kind, deduplicated by content). Received gossip arrives through the receive handler, from the
   * peer that forwarded it, once the gossip validator accepted it. Without it, the network actor
   * sends to every known peer instead.
   */
  gossip?(kind: GossipKind, payload: Uint8Array): void;
  /**
   * With `gossip`: the validator every gossip message passes before it is delivered or relayed.
   * Until one is set, a transport relays nothing it receives.
   */
  onGossip?(validate: GossipValidator): void;
}
