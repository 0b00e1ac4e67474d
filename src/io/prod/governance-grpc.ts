// The production GovernanceLink: one gRPC bidirectional stream to Anduro Governance
// (proto/governance.proto), the bearer token in call metadata, TLS when a CA is given. Incoming
// frames are validated by src/governance/wire.ts; anything invalid, down to bytes that are not a
// protobuf at all, is reported through onMalformed and never thrown. Reconnection, resends and
// timeouts belong to the StreamActor above this link.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { GovernanceMessage, NodeMessage } from '../../governance/messages.ts';
import { governanceFromWire, nodeToWire } from '../../governance/wire.ts';
import type { GovernanceLink, GovernanceStream, GovernanceStreamHandlers } from '../governance.ts';
import { AUTHORIZATION_KEY, bearer, governanceMethod } from './governance-proto.ts';

export interface GrpcGovernanceLinkOptions {
  /** host:port of the governance server. */
  readonly address: string;
  readonly token: string;
  /** TLS: the CA that signed the server's certificate (PEM, or a file holding it). Plaintext if absent. */
  readonly tls?: { readonly caPem?: Buffer; readonly caFile?: string; readonly serverName?: string };
  /** How long connect() waits for the channel before it rejects. */
  readonly connectTimeoutMs?: number;
  /** How long close() waits for the server to end the stream before cancelling it. */
  readonly closeGraceMs?: number;
}

/** What the custom deserializer hands on when the frame is not a GovernanceEnvelope at all. */
interface Undecodable {
  readonly undecodable: string;
}
const isUndecodable = (x: unknown): x is Undecodable => typeof x === 'object' && x !== null && Object.hasOwn(x, 'undecodable') && !Object.hasOwn(x, 'kind');

export class GrpcGovernanceLink implements GovernanceLink {
  private readonly client: grpc.Client;
  private readonly method = governanceMethod('Stream');

  constructor(private readonly o: GrpcGovernanceLinkOptions) {
    let creds = grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {};
    if (o.tls !== undefined) {
      const ca = o.tls.caPem ?? (o.tls.caFile !== undefined ? readFileSync(o.tls.caFile) : undefined);
      creds = grpc.credentials.createSsl(ca ?? null);
      if (o.tls.serverName !== undefined) channelOptions['grpc.ssl_target_name_override'] = o.tls.serverName;
    }
    this.client = new grpc.Client(o.address, creds, channelOptions);
  }

  async connect(handlers: GovernanceStreamHandlers): Promise<GovernanceStream> {
    // Reject only when the server cannot be reached. Authentication is judged by the server when
    // the stream starts; a refusal arrives as onClose, like every other end of the stream.
    const deadline = Date.now() + (this.o.connectTimeoutMs ?? 5_000);
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(deadline, (err) => (err === undefined || err === null ? resolve() : reject(new Error(`governance at ${this.o.address} is unreachable: ${err.message}`)))),
    );

    const metadata = new grpc.Metadata();
    metadata.set(AUTHORIZATION_KEY, bearer(this.o.token));
    const deserialize = (bytes: Buffer): unknown => {
      try {
        return this.method.responseDeserialize(bytes);
      } catch (err) {
        return { undecodable: (err as Error).message } satisfies Undecodable;
      }
    };
    const call = this.client.makeBidiStreamRequest<ReturnType<typeof nodeToWire>, unknown>(
      this.method.path,
      (m) => this.method.requestSerialize(m) as Buffer,
      deserialize,
      metadata,
      {},
    );

    let closed = false;
    let closingByUs = false;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (reason: string): void => {
      if (closed) return;
      closed = true;
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      handlers.onClose(reason);
    };

    call.on('data', (raw: unknown) => {
      if (closed) return;
      if (isUndecodable(raw)) {
        handlers.onMalformed(`undecodable governance frame: ${raw.undecodable}`);
        return;
      }
      const decoded = governanceFromWire(raw);
      if (decoded.ok) handlers.onMessage(decoded.value satisfies GovernanceMessage);
      else handlers.onMalformed(decoded.error.message);
    });
    // Every call ends with exactly one status, OK or not; 'error' repeats non-OK ones.
    call.on('status', (s: grpc.StatusObject) => finish(reasonOf(s, closingByUs)));
    call.on('error', (e: grpc.ServiceError) => finish(reasonOf({ code: e.code, details: e.details }, closingByUs)));

    return {
      send: (message: NodeMessage): void => {
        // After the end a message has nowhere to go; the StreamActor resends on the next stream.
        if (closed || closingByUs) return;
        call.write(nodeToWire(message));
      },
      close: (): void => {
        if (closed || closingByUs) return;
        closingByUs = true;
        // Half-close so sent messages still arrive; the server then ends with OK.
        call.end();
        graceTimer = setTimeout(() => call.cancel(), this.o.closeGraceMs ?? 2_000);
        graceTimer.unref();
      },
    };
  }

  /** Closes the channel (streams on it end with CANCELLED / UNAVAILABLE). */
  shutdown(): void {
    this.client.close();
  }
}

function reasonOf(s: Pick<grpc.StatusObject, 'code' | 'details'>, closingByUs: boolean): string {
  if (s.code === grpc.status.OK) return closingByUs ? 'closed by the node' : 'governance ended the stream';
  if (closingByUs && s.code === grpc.status.CANCELLED) return 'closed by the node';
  const name = grpc.status[s.code] ?? String(s.code);
  if (s.code === grpc.status.UNAUTHENTICATED) return `UNAUTHENTICATED: governance refused authentication (${s.details})`;
  return `${name}: ${s.details}`;
}
