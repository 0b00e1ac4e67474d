// The governance server's behaviour, without the transport: what a stream hears when it opens, and
// the replies to each node message. It wraps the FederationSigner (the HSM role); the gRPC runtime
// (src/io/prod/governance-server/) owns sockets, authentication and heartbeat timers, so that this
// logic stays free of real time and can run under the simulation or in a unit test.
import type { GovernanceMessage, NodeMessage } from '../messages.ts';
import type { FederationSigner } from '../signer.ts';
import type { BitcoinNetworkName } from '../../bridge/federation.ts';

export interface GovernanceServerOptions {
  readonly signer: FederationSigner;
  readonly network: BitcoinNetworkName;
  readonly maxFeeSats: bigint;
  /** Where the server reports what it did not answer (one line each). */
  readonly log?: (event: string, fields: Readonly<Record<string, string | number>>) => void;
}

export interface Capabilities {
  readonly network: BitcoinNetworkName;
  readonly maxFeeSats: bigint;
  readonly accepts: readonly NodeMessage['kind'][];
}

/**
 * What a stream hears when it opens: whom the node talks to, every federation so far (oldest first),
 * and whether peg-outs are paused. A node learns these only from governance; one that was down or
 * disconnected across a rotation or a pause's end would otherwise keep a stale view for good.
 */
export function openingMessages(signer: FederationSigner): GovernanceMessage[] {
  return [
    ...signer.federationUpdates().map((update): GovernanceMessage => ({ kind: 'federation', update })),
    { kind: 'proposal', proposalId: 'pause-state', action: signer.isPaused ? 'emergency-pause' : 'resume', description: 'peg-out pause state when the stream opened' },
  ];
}

export class GovernanceServer {
  constructor(private readonly o: GovernanceServerOptions) {}

  /** Sent on every stream right after it is accepted (see openingMessages). */
  opened(): GovernanceMessage[] {
    return openingMessages(this.o.signer);
  }

  /**
   * Applies the rotations of `later` (oldest first) beyond those the signer already has; returns
   * the announcements every open stream must hear. A rotation already applied is never redone.
   */
  rotate(later: ReadonlyArray<{ readonly privateKeys: readonly Uint8Array[]; readonly threshold: number; readonly previousValidUntilHeight: number }>): GovernanceMessage[] {
    const applied = this.o.signer.federations.length - 1;
    return later.slice(applied).map((r) => {
      const update = this.o.signer.rotate(r.privateKeys, r.threshold, r.previousValidUntilHeight);
      this.log('federation-rotated', { version: update.version, address: update.address, previousValidUntilHeight: update.previousValidUntilHeight });
      return { kind: 'federation' as const, update };
    });
  }

  heartbeat(atMs: number): GovernanceMessage {
    return { kind: 'heartbeat', atMs };
  }

  /**
   * The replies to one node message. Throws only if the signer's store cannot save: then nothing
   * is released, and the runtime ends the stream so the node retries against a healthy server.
   */
  handle(m: NodeMessage): GovernanceMessage[] {
    switch (m.kind) {
      case 'sign':
        return [{ kind: 'signature', response: this.o.signer.sign(m.request) }];
      case 'register-peg-out':
        try {
          this.o.signer.registerPegOut(m.registration);
        } catch (err) {
          // An unpayable destination is not acknowledged: the node's burn stays unpaid until
          // someone looks, which is safer than pretending governance will sign for it.
          this.log('peg-out-rejected', { messageId: m.messageId, pegOutId: m.registration.pegOutId, error: (err as Error).message });
          return [];
        }
        return [{ kind: 'ack', messageId: m.messageId }];
      case 'register-peg-in':
      case 'status':
        // Recorded by the governance UI in the real system; here acknowledging is the whole job.
        return [{ kind: 'ack', messageId: m.messageId }];
      case 'heartbeat':
        // The node's liveness only keeps the stream warm; governance's own heartbeat is on a timer.
        return [];
    }
  }

  /**
   * A frame that does not decode as a node message. A sign request whose id is still readable is
   * refused (the node stops waiting for it); anything else is logged and dropped.
   */
  malformed(raw: unknown, error: string): GovernanceMessage[] {
    this.log('malformed-node-message', { error });
    const sign = typeof raw === 'object' && raw !== null ? (raw as { sign?: { requestId?: unknown } }).sign : undefined;
    const requestId = sign?.requestId;
    if (typeof requestId === 'string' && requestId.length > 0) {
      return [{ kind: 'signature', response: { kind: 'refused', requestId, reason: 'malformed-transaction', detail: error } }];
    }
    return [];
  }

  capabilities(): Capabilities {
    return { network: this.o.network, maxFeeSats: this.o.maxFeeSats, accepts: ['sign', 'register-peg-out', 'register-peg-in', 'status', 'heartbeat'] };
  }

  private log(event: string, fields: Readonly<Record<string, string | number>>): void {
    this.o.log?.(event, fields);
  }
}
