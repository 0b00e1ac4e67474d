// The governance server as a real child process on a loopback port, reached through the production
// GrpcGovernanceLink: signatures that verify, refused tokens, a crash (SIGKILL) and restart on the
// same state file that must not sign a conflicting spend, and the unary calls.
import * as grpc from '@grpc/grpc-js';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWitnesses } from '../../src/bridge/witness.ts';
import { AUTHORIZATION_KEY, bearer, governanceMethod } from '../../src/io/prod/governance-proto.ts';
import { spawnGovernanceServer, type GovernanceProcess } from '../../src/io/prod/governance-server/spawn.ts';
import { DEST, TOKEN, connect, pegOutRequest, tempGovernanceDir } from './fixtures.ts';

const utxoA = { txid: 'aa'.repeat(32), vout: 0, amountSats: 100_000n };
const utxoB = { txid: 'bb'.repeat(32), vout: 1, amountSats: 80_000n };
const dest2 = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(9), network: bitcoin.networks.regtest }).address as string;

describe('governance gRPC transport (server process + GrpcGovernanceLink)', () => {
  const tmp = tempGovernanceDir();
  let server: GovernanceProcess | undefined;
  const start = async (): Promise<GovernanceProcess> => {
    // spawnGovernanceServer rejects with the server's stderr if it cannot start: the test fails then.
    server = await spawnGovernanceServer({ token: TOKEN, statePath: tmp.statePath, keysPath: tmp.keysPath, extraArgs: ['--heartbeat-ms', '300'] });
    return server;
  };

  beforeAll(async () => {
    await start();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    tmp.cleanup();
  });

  it('opens with the federation, heartbeats, and returns witnesses that verify', async () => {
    const s = server as GovernanceProcess;
    expect(s.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    const { link, stream, rec } = await connect(s.listening);
    try {
      const fed = await rec.federation();
      expect(fed.address).toBe(s.address);
      expect(fed.threshold).toBe(3);
      expect(fed.publicKeysHex).toHaveLength(5);
      await rec.until(() => rec.messages.find((m) => m.kind === 'heartbeat'), 'heartbeat');

      stream.send({ kind: 'register-peg-out', messageId: 'm1', registration: { pegOutId: 'p1', destination: DEST, amountSats: 50_000n, burnTxHash: '0x01' } });
      expect(await rec.ack('m1')).toBe('m1');
      const { request, inputs } = pegOutRequest(fed, 'r1', 'p1', [utxoA]);
      stream.send({ kind: 'sign', messageId: 'm2', request });
      const res = await rec.signature('r1');
      expect(res.kind).toBe('signed');
      if (res.kind !== 'signed') return;
      const applied = applyWitnesses(res.txHex, inputs, res.witnesses);
      expect(applied).toMatchObject({ ok: true });
      // A status report and a peg-in registration are acknowledged by message id.
      stream.send({ kind: 'status', messageId: 'm3', pegId: 'p1', status: 'signed', detail: '' });
      stream.send({ kind: 'register-peg-in', messageId: 'm4', registration: { txid: 'cc'.repeat(32), vout: 0, amountSats: 1n, evmAddress: '0x' + '11'.repeat(20) } });
      await rec.ack('m3');
      await rec.ack('m4');
      expect(rec.malformed).toEqual([]);
      stream.close();
      const reason = await rec.until(() => rec.closed, 'close');
      expect(reason).toBe('closed by the node');
      expect(rec.closeCount).toBe(1);
    } finally {
      link.shutdown();
    }
  });

  it('refuses a wrong or missing token: UNAUTHENTICATED surfaces as onClose, once', async () => {
    const s = server as GovernanceProcess;
    for (const token of ['wrong-token', '']) {
      const { link, stream, rec } = await connect(s.listening, token);
      try {
        stream.send({ kind: 'heartbeat', messageId: 'h', atMs: 1 });
        const reason = await rec.until(() => rec.closed, 'close');
        expect(reason).toMatch(/UNAUTHENTICATED/);
        expect(reason).toMatch(/authentication/);
        expect(rec.messages).toEqual([]);
        expect(rec.closeCount).toBe(1);
      } finally {
        link.shutdown();
      }
    }
  });

  it('after SIGKILL and a restart on the same state, refuses a conflicting spend and repeats the original answer', async () => {
    const first = await connect((server as GovernanceProcess).listening);
    const fed = await first.rec.federation();
    first.stream.send({ kind: 'register-peg-out', messageId: 'k1', registration: { pegOutId: 'k-p1', destination: DEST, amountSats: 60_000n, burnTxHash: '0x02' } });
    await first.rec.ack('k1');
    const original = pegOutRequest(fed, 'k-r1', 'k-p1', [utxoB], 60_000n);
    first.stream.send({ kind: 'sign', messageId: 'k2', request: original.request });
    const signed = await first.rec.signature('k-r1');
    expect(signed.kind).toBe('signed');

    // Crash: no chance to flush anything that was not already durable.
    await (server as GovernanceProcess).stop('SIGKILL');
    const closed = await first.rec.until(() => first.rec.closed, 'close after kill');
    expect(closed).toMatch(/UNAVAILABLE|INTERNAL|CANCELLED/);
    first.link.shutdown();

    const restarted = await start();
    const second = await connect(restarted.listening);
    try {
      expect((await second.rec.federation()).address).toBe(fed.address);
      // Another peg-out over the same output: a conflicting spend, refused with the one signed.
      second.stream.send({ kind: 'register-peg-out', messageId: 'k3', registration: { pegOutId: 'k-p2', destination: dest2, amountSats: 60_000n, burnTxHash: '0x03' } });
      await second.rec.ack('k3');
      const conflicting = pegOutRequest(fed, 'k-r2', 'k-p2', [utxoB], 60_000n, dest2);
      second.stream.send({ kind: 'sign', messageId: 'k4', request: conflicting.request });
      const refused = await second.rec.signature('k-r2');
      expect(refused).toMatchObject({ kind: 'refused', reason: 'input-already-signed' });
      if (refused.kind !== 'refused' || signed.kind !== 'signed') return;
      expect(bitcoin.Transaction.fromHex(refused.conflictingTxHex as string).getId()).toBe(bitcoin.Transaction.fromHex(signed.txHex).getId());

      // The original request again (the node resending after the crash): the same answer.
      second.stream.send({ kind: 'sign', messageId: 'k5', request: original.request });
      const again = await second.rec.signature('k-r1');
      expect(again).toEqual(signed);
      if (again.kind === 'signed') expect(applyWitnesses(again.txHex, original.inputs, again.witnesses).ok).toBe(true);
      second.stream.close();
    } finally {
      second.link.shutdown();
    }
  });

  it('answers Health without a token and Capabilities only with one', async () => {
    const s = server as GovernanceProcess;
    const client = new grpc.Client(s.listening, grpc.credentials.createInsecure());
    const unary = (name: 'Health' | 'Capabilities', token?: string) =>
      new Promise<{ err: grpc.ServiceError | null; res: unknown }>((resolve) => {
        const m = governanceMethod(name);
        const md = new grpc.Metadata();
        if (token !== undefined) md.set(AUTHORIZATION_KEY, bearer(token));
        client.makeUnaryRequest(m.path, (x: object) => m.requestSerialize(x) as Buffer, (b: Buffer) => m.responseDeserialize(b) as unknown, {}, md, (err, res) => resolve({ err, res }));
      });
    try {
      expect((await unary('Health')).res).toMatchObject({ status: 'SERVING' });
      const denied = await unary('Capabilities', 'nope');
      expect(denied.err?.code).toBe(grpc.status.UNAUTHENTICATED);
      const caps = await unary('Capabilities', TOKEN);
      expect(caps.err).toBeNull();
      expect(caps.res).toMatchObject({ protocolVersion: 1, network: 'regtest', maxFeeSats: '100000', federation: { threshold: 3, address: s.address } });
    } finally {
      client.close();
    }
  });
});
