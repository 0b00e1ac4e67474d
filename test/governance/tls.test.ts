// The governance stream over TLS: a self-signed certificate for localhost (made with openssl for
// this run), the server started with --tls-cert/--tls-key, the link trusting that certificate as
// its CA. A plaintext client must not get through.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcGovernanceLink } from '../../src/io/prod/governance-grpc.ts';
import { spawnGovernanceServer, type GovernanceProcess } from '../../src/io/prod/governance-server/spawn.ts';
import { Recorder, TOKEN, tempGovernanceDir } from './fixtures.ts';

// The certificate comes from openssl; without it this test fails (it never skips).
describe('governance gRPC over TLS', () => {
  const tmp = tempGovernanceDir();
  const cert = join(tmp.dir, 'cert.pem');
  const key = join(tmp.dir, 'key.pem');
  let server: GovernanceProcess | undefined;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    server = await spawnGovernanceServer({ token: TOKEN, statePath: tmp.statePath, keysPath: tmp.keysPath, extraArgs: ['--tls-cert', cert, '--tls-key', key] });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    tmp.cleanup();
  });

  it('opens an authenticated stream when the link trusts the certificate', async () => {
    const link = new GrpcGovernanceLink({ address: (server as GovernanceProcess).listening, token: TOKEN, tls: { caFile: cert } });
    const rec = new Recorder();
    try {
      const stream = await link.connect(rec.handlers);
      expect((await rec.federation()).address).toBe((server as GovernanceProcess).address);
      stream.close();
      await rec.until(() => rec.closed, 'close');
    } finally {
      link.shutdown();
    }
  });

  it('a plaintext link cannot connect', async () => {
    const link = new GrpcGovernanceLink({ address: (server as GovernanceProcess).listening, token: TOKEN, connectTimeoutMs: 1_000 });
    const rec = new Recorder();
    try {
      const stream = await link.connect(rec.handlers).catch((e: Error) => e);
      // Either the channel never becomes ready, or the stream dies at once; never a federation.
      if (!(stream instanceof Error)) await rec.until(() => rec.closed, 'close');
      expect(rec.messages).toEqual([]);
    } finally {
      link.shutdown();
    }
  });
});
