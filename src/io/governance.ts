// The node's link to Anduro Governance: one bidirectional stream. Production speaks gRPC
// (src/io/prod/governance-grpc.ts, proto/governance.proto); the simulation delivers the same
// messages through the scheduler (src/io/sim/governance.ts). The StreamActor owns reconnection,
// buffering, resends and timeouts; a link only connects, carries messages and reports its end.
import type { GovernanceMessage, NodeMessage } from '../governance/messages.ts';

export interface GovernanceStreamHandlers {
  onMessage(message: GovernanceMessage): void;
  /** Something arrived that is not a valid governance message: reported, never thrown. */
  onMalformed(error: string): void;
  /** The stream ended (server gone, network cut, authentication refused). Called once. */
  onClose(reason: string): void;
}

export interface GovernanceStream {
  send(message: NodeMessage): void;
  close(): void;
}

export interface GovernanceLink {
  /** Opens an authenticated stream; rejects (with the reason) when it cannot. */
  connect(handlers: GovernanceStreamHandlers): Promise<GovernanceStream>;
}
