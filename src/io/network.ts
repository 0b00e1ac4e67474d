// The network as a node sees it: unreliable datagrams of bytes between named nodes. Everything above
// (gossip, request/response, peer scoring) is built on this, so that the simulated network and
// libp2p are interchangeable and a Byzantine peer can send any bytes at all.
export type NodeId = string;

/** What travels by gossip when the transport has it (libp2p gossipsub topics); the rest is unicast. */
export type GossipKind = 'block' | 'approval' | 'auxpow';

export type ReceiveHandler = (from: NodeId, payload: Uint8Array) => void;

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
  /**
   * Optional: spread to every node through the transport's gossip (libp2p gossipsub, one topic per
   * kind, deduplicated by content). Received gossip arrives through the receive handler, from the
   * peer that forwarded it. Without it, the network actor sends to every known peer instead.
   */
  gossip?(kind: GossipKind, payload: Uint8Array): void;
}
