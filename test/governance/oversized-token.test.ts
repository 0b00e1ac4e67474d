// Oversized bearer tokens against the real governance server process (issue 11): every token the
// server can read is judged and refused with UNAUTHENTICATED, on the stream and on unary calls; a
// header too large for HTTP/2 to decode at all (nghttp2 refuses a header field over 64 KiB encoded,
// below gRPC, by closing that connection) costs the server nothing: it goes on serving everyone else.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_KEY, bearer, governanceMethod } from '../../src/io/prod/governance-proto.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { TOKEN, connect, tempGovernanceDir } from './fixtures.ts';

describe('governance server: oversized tokens', () => {
  const tmp = tempGovernanceDir();
  let server: GovernanceProcess | undefined;
  beforeAll(async () => {
    server = await spawnGovernanceServer({ token: TOKEN, statePath: tmp.statePath, keysPath: tmp.keysPath });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    tmp.cleanup();
  });

  const unary = (name: 'Health' | 'Capabilities', token?: string) => {
    const client = new grpc.Client((server as GovernanceProcess).listening, grpc.credentials.createInsecure());
    return new Promise<{ err: grpc.ServiceError | null; res: unknown }>((resolve) => {
      const m = governanceMethod(name);
      const md = new grpc.Metadata();
      if (token !== undefined) md.set(AUTHORIZATION_KEY, bearer(token));
      client.makeUnaryRequest(m.path, (x: object) => m.requestSerialize(x) as Buffer, (b: Buffer) => m.responseDeserialize(b) as unknown, {}, md, (err, res) => {
        client.close();
        resolve({ err, res });
      });
    });
  };

  it('answers every token it can read, however long, with UNAUTHENTICATED', async () => {
    for (const size of [1_024, 16 * 1_024, 60 * 1_024]) {
      const token = 'Q~'.repeat(size / 2);
      const denied = await unary('Capabilities', token);
      expect(denied.err?.code, `unary, ${size} bytes`).toBe(grpc.status.UNAUTHENTICATED);
      const { link, stream, rec } = await connect((server as GovernanceProcess).listening, token);
      try {
        stream.send({ kind: 'heartbeat', messageId: 'h', atMs: 1 });
        expect(await rec.until(() => rec.closed, 'close'), `stream, ${size} bytes`).toMatch(/^UNAUTHENTICATED/);
        expect(rec.messages).toEqual([]);
      } finally {
        link.shutdown();
      }
    }
  });

  it('goes on serving after a header too large for HTTP/2 to decode', async () => {
    const huge = await unary('Capabilities', 'Q~'.repeat(100_000));
    expect(huge.err).not.toBeNull();
    expect(huge.err?.code).not.toBe(grpc.status.OK);
    expect((await unary('Health')).res).toMatchObject({ status: 'SERVING' });
    const ok = await unary('Capabilities', TOKEN);
    expect(ok.err).toBeNull();
    expect(ok.res).toMatchObject({ protocolVersion: 1 });
  });
});
