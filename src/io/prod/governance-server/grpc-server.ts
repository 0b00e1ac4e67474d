// The governance server's transport: gRPC over HTTP/2 (optionally TLS), bearer-token
// authentication on every call but Health, and the heartbeat timer. Behaviour lives in
// GovernanceServer; this file only moves frames and reads the wall clock.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GovernanceServer } from '../../../governance/server/governance-server.ts';
import { federationToWire, governanceToWire, nodeFromWire, type GovernanceEnvelopeWire } from '../../../governance/wire.ts';
import type { GovernanceMessage } from '../../../governance/messages.ts';
import type { FederationSigner } from '../../../governance/signer.ts';
import { AUTHORIZATION_KEY, GOVERNANCE_PROTOCOL_VERSION, governanceService } from '../governance-proto.ts';

export interface ServeGovernanceOptions {
  /** host:port; port 0 picks a free one. */
  readonly listen: string;
  readonly token: string;
  readonly server: GovernanceServer;
  readonly signer: FederationSigner;
  readonly tls?: { readonly certPem: Buffer; readonly keyPem: Buffer };
  readonly heartbeatMs: number;
  readonly log: (event: string, fields: Readonly<Record<string, string | number>>) => void;
}

export interface RunningGovernanceServer {
  /** host:port actually bound. */
  readonly listening: string;
  readonly port: number;
  /** Writes messages to every open stream (a federation rotation). */
  broadcast(messages: readonly GovernanceMessage[]): void;
  close(): Promise<void>;
}

type Duplex = grpc.ServerDuplexStream<unknown, GovernanceEnvelopeWire>;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export async function serveGovernance(o: ServeGovernanceOptions): Promise<RunningGovernanceServer> {
  const expected = digest(`Bearer ${o.token}`);
  // Compared as digests in constant time: the token must not leak through response timing, and a
  // token of any length the transport delivers is judged the same way (UNAUTHENTICATED when wrong).
  // A header too large for HTTP/2 to decode (nghttp2 refuses a field over 64 KiB encoded) never
  // reaches this code: the library closes that one connection and the server serves on.
  const authorized = (md: grpc.Metadata): boolean => {
    const got = md.get(AUTHORIZATION_KEY)[0];
    return typeof got === 'string' && timingSafeEqual(digest(got), expected);
  };
  const tokenBytes = (md: grpc.Metadata): number => {
    const got = md.get(AUTHORIZATION_KEY)[0];
    return typeof got === 'string' ? Buffer.byteLength(got) : got === undefined ? 0 : got.length;
  };
  const unauthenticated = { code: grpc.status.UNAUTHENTICATED, details: 'authentication failed: missing or wrong bearer token' };
  const streams = new Set<Duplex>();

  const write = (call: Duplex, messages: readonly GovernanceMessage[]): void => {
    for (const m of messages) if (!call.writableEnded && !call.destroyed) call.write(governanceToWire(m));
  };

  const stream = (call: Duplex): void => {
    if (!authorized(call.metadata)) {
      o.log('stream-refused', { peer: call.getPeer(), reason: 'unauthenticated', tokenBytes: tokenBytes(call.metadata) });
      call.emit('error', unauthenticated);
      return;
    }
    // Headers now, so the client sees an accepted stream before the first message.
    call.sendMetadata(new grpc.Metadata());
    streams.add(call);
    o.log('stream-opened', { peer: call.getPeer() });
    write(call, o.server.opened());
    call.on('data', (raw: unknown) => {
      const decoded = nodeFromWire(raw);
      if (!decoded.ok) {
        write(call, o.server.malformed(raw, decoded.error.message));
        return;
      }
      let replies: GovernanceMessage[];
      try {
        replies = o.server.handle(decoded.value);
      } catch (err) {
        // The state could not be saved: release nothing, end the stream, let the node retry.
        o.log('internal-error', { error: (err as Error).message });
        call.emit('error', { code: grpc.status.INTERNAL, details: `governance could not record the request: ${(err as Error).message}` });
        return;
      }
      write(call, replies);
    });
    const forget = (): void => {
      if (streams.delete(call)) o.log('stream-closed', { peer: call.getPeer() });
    };
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('cancelled', forget);
    call.on('error', forget);
    call.on('close', forget);
  };

  const health: grpc.handleUnaryCall<unknown, { status: string; paused: boolean }> = (_call, cb) => cb(null, { status: 'SERVING', paused: false });
  const capabilities: grpc.handleUnaryCall<unknown, object> = (call, cb) => {
    if (!authorized(call.metadata)) return cb(unauthenticated);
    const c = o.server.capabilities();
    cb(null, {
      protocolVersion: GOVERNANCE_PROTOCOL_VERSION,
      network: c.network,
      federation: federationToWire(o.signer.federationUpdate()),
      maxFeeSats: c.maxFeeSats.toString(),
      accepts: [...c.accepts],
    });
  };

  const server = new grpc.Server();
  server.addService(governanceService(), { Stream: stream, Health: health, Capabilities: capabilities });
  const creds = o.tls === undefined ? grpc.ServerCredentials.createInsecure() : grpc.ServerCredentials.createSsl(null, [{ private_key: o.tls.keyPem, cert_chain: o.tls.certPem }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(o.listen, creds, (err, p) => (err === null ? resolve(p) : reject(err))));
  const host = o.listen.slice(0, o.listen.lastIndexOf(':'));

  const beat = setInterval(() => {
    for (const call of streams) write(call, [o.server.heartbeat(Date.now())]);
  }, o.heartbeatMs);
  beat.unref();

  return {
    listening: `${host}:${port}`,
    port,
    broadcast: (messages) => {
      for (const call of streams) write(call, messages);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(beat);
        for (const call of streams) call.end();
        server.tryShutdown(() => resolve());
      }),
  };
}
