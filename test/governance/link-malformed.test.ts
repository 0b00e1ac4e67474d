// GrpcGovernanceLink against a hostile in-process server that writes raw frames: bytes that are not
// protobuf and protobuf that is not a valid governance message both reach onMalformed (typed, never
// thrown), valid frames still arrive, and the end of the stream is reported once. Plus: a server
// process that cannot start fails loudly with its stderr.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceToWire } from '../../src/governance/wire.ts';
import { GrpcGovernanceLink } from '../../src/io/prod/governance-grpc.ts';
import { governanceMethod } from '../../src/io/prod/governance-proto.ts';
import { spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { Recorder, TOKEN, tempGovernanceDir } from './fixtures.ts';

describe('GrpcGovernanceLink with malformed frames', () => {
  const server = new grpc.Server();
  let address = '';
  beforeAll(async () => {
    const m = governanceMethod('Stream');
    const valid = m.responseSerialize(governanceToWire({ kind: 'ack', messageId: 'ok-1' }));
    const frames: Buffer[] = [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), // not protobuf at all
      Buffer.alloc(0), // an envelope with no kind
      Buffer.from([0x22, 0x05, 0x0a, 0x01, 0x70, 0x10, 0x63]), // a proposal with enum value 99
      valid,
    ];
    server.register<Buffer, Buffer>(
      m.path,
      (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        for (const f of frames) call.write(f);
        call.end();
      },
      (b: Buffer) => b,
      (b: Buffer) => b,
      'bidi',
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('reports each bad frame through onMalformed, delivers the good one, closes once', async () => {
    const link = new GrpcGovernanceLink({ address, token: TOKEN });
    const rec = new Recorder();
    try {
      await link.connect(rec.handlers);
      const reason = await rec.until(() => rec.closed, 'close');
      expect(reason).toBe('governance ended the stream');
      expect(rec.malformed).toHaveLength(3);
      expect(rec.malformed[0]).toMatch(/undecodable governance frame/);
      expect(rec.malformed[1]).toMatch(/invalid governance message: kind/);
      expect(rec.malformed[2]).toMatch(/proposal\.action/);
      expect(rec.messages).toEqual([{ kind: 'ack', messageId: 'ok-1' }]);
      expect(rec.closeCount).toBe(1);
    } finally {
      link.shutdown();
    }
  });

  it('rejects connect when nothing listens', async () => {
    const link = new GrpcGovernanceLink({ address: '127.0.0.1:1', token: TOKEN, connectTimeoutMs: 300 });
    await expect(link.connect(new Recorder().handlers)).rejects.toThrow(/unreachable/);
    link.shutdown();
  });

  it('a server that cannot start fails with its stderr', async () => {
    const tmp = tempGovernanceDir();
    try {
      await expect(spawnGovernanceServer({ token: TOKEN, statePath: tmp.statePath, keysPath: `${tmp.dir}/missing.json` })).rejects.toThrow(/exited .* before it was ready; stderr:\n.*no such file/s);
    } finally {
      tmp.cleanup();
    }
  });
});
