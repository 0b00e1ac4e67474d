// wire.ts: every message survives domain → proto object → protobuf bytes → proto object → domain,
// and anything else a peer could send becomes a GovernanceWireError naming the field, never a throw.
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import type { GovernanceMessage, NodeMessage } from '../../src/governance/messages.ts';
import { GovernanceWireError, governanceFromWire, governanceToWire, nodeFromWire, nodeToWire } from '../../src/governance/wire.ts';
import { GOVERNANCE_PROTO_PATH, governanceLoaderOptions } from '../../src/io/prod/governance-proto.ts';

interface Codec {
  serialize(x: object): Buffer;
  deserialize(b: Buffer): unknown;
}
const pkg = protoLoader.loadSync(GOVERNANCE_PROTO_PATH, governanceLoaderOptions);
const govCodec = pkg['anduro.governance.v1.GovernanceEnvelope'] as unknown as Codec;
const nodeCodec = pkg['anduro.governance.v1.NodeEnvelope'] as unknown as Codec;

const key = (b: number) => '02' + b.toString(16).padStart(2, '0').repeat(32);
const federation: GovernanceMessage = {
  kind: 'federation',
  update: { version: 2, threshold: 2, publicKeysHex: [key(1), key(2), key(3)], address: 'bcrt1qexample', witnessScriptHex: '52ae', previousValidUntilHeight: 800_123 },
};

const governanceMessages: GovernanceMessage[] = [
  { kind: 'signature', response: { kind: 'signed', requestId: 'r1', txHex: '0200000001' + 'ab'.repeat(40), witnesses: [['', '3044' + '01'.repeat(68), '52ae'], ['00', '11']] } },
  { kind: 'signature', response: { kind: 'refused', requestId: 'r2', reason: 'input-already-signed', detail: 'aa:0 is spent', conflictingTxHex: 'deadbeef' } },
  ...(['malformed-transaction', 'unknown-input', 'unregistered-peg-out', 'wrong-payout', 'unexpected-output', 'fee-too-high', 'paused', 'unauthenticated', 'bad-refund'] as const).map(
    (reason): GovernanceMessage => ({ kind: 'signature', response: { kind: 'refused', requestId: `r-${reason}`, reason, detail: reason } }),
  ),
  { kind: 'ack', messageId: 'm7' },
  federation,
  { kind: 'proposal', proposalId: 'prop-1', action: 'emergency-pause', description: 'halt' },
  { kind: 'proposal', proposalId: 'prop-2', action: 'resume', description: '' },
  { kind: 'proposal', proposalId: 'prop-3', action: 'other', description: 'x' },
  { kind: 'heartbeat', atMs: 1_760_000_000_123 },
];

const nodeMessages: NodeMessage[] = [
  { kind: 'sign', messageId: 'n1', request: { requestId: 'r1', txHex: '02000000', inputs: [{ index: 0, amountSats: 2n ** 63n + 5n, witnessScriptHex: '52ae' }, { index: 1, amountSats: 1n, witnessScriptHex: '' }], pegOutIds: ['p1', 'p2'] } },
  {
    kind: 'sign',
    messageId: 'n1r',
    request: { requestId: 'refund:x', txHex: '02000000', inputs: [{ index: 0, amountSats: 5n, witnessScriptHex: '52ae' }], pegOutIds: [], refund: { depositTxHex: '0200', vout: 1, address: 'bcrt1qdest', signature: 'H'.repeat(88) } },
  },
  { kind: 'register-peg-out', messageId: 'n2', registration: { pegOutId: 'p1', destination: 'bcrt1qdest', amountSats: 18_446_744_073_709_551_615n, burnTxHash: '0x' + '12'.repeat(32) } },
  { kind: 'register-peg-in', messageId: 'n3', registration: { txid: 'cd'.repeat(32), vout: 3, amountSats: 100_000n, evmAddress: '0x' + '34'.repeat(20) } },
  ...(['pending', 'confirmed', 'signature-requested', 'signed', 'broadcast', 'completed', 'failed'] as const).map((status): NodeMessage => ({ kind: 'status', messageId: `s-${status}`, pegId: 'p1', status, detail: 'd' })),
  { kind: 'heartbeat', messageId: 'n4', atMs: 0 },
];

const throughGov = (m: GovernanceMessage) => governanceFromWire(govCodec.deserialize(govCodec.serialize(governanceToWire(m))));
const throughNode = (m: NodeMessage) => nodeFromWire(nodeCodec.deserialize(nodeCodec.serialize(nodeToWire(m))));

/** The error of a decode that must fail, checked to be typed and to name `field`. */
function wireError(r: ReturnType<typeof governanceFromWire> | ReturnType<typeof nodeFromWire>, field: string): GovernanceWireError {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('decoded');
  expect(r.error).toBeInstanceOf(GovernanceWireError);
  expect(r.error.field).toBe(field);
  expect(r.error.message).toContain(field);
  return r.error;
}

describe('governance wire conversion', () => {
  it('round-trips every governance message through protobuf bytes', () => {
    for (const m of governanceMessages) expect(throughGov(m)).toEqual({ ok: true, value: m });
  });

  it('round-trips every node message through protobuf bytes, uint64 amounts exactly', () => {
    for (const m of nodeMessages) expect(throughNode(m)).toEqual({ ok: true, value: m });
  });

  it('reports garbage objects as typed errors naming the field', () => {
    const decodeObj = (o: unknown) => governanceFromWire(o);
    wireError(decodeObj(null), '(message)');
    wireError(decodeObj(42), '(message)');
    wireError(decodeObj('federation'), '(message)');
    wireError(decodeObj({}), 'kind');
    wireError(decodeObj({ kind: 'explode' }), 'kind');
    wireError(decodeObj({ kind: '__proto__' }), 'kind');
    wireError(decodeObj({ kind: 'ack' }), 'ack');
    wireError(decodeObj({ kind: 'ack', ack: { messageId: '' } }), 'ack.messageId');
    wireError(decodeObj({ kind: 'ack', ack: { messageId: 7 } }), 'ack.messageId');
    wireError(decodeObj({ kind: 'heartbeat', heartbeat: { atMs: 'soon' } }), 'heartbeat.atMs');
    wireError(decodeObj({ kind: 'heartbeat', heartbeat: { atMs: '18446744073709551615' } }), 'heartbeat.atMs');
    wireError(decodeObj({ kind: 'heartbeat', heartbeat: { atMs: '-1' } }), 'heartbeat.atMs');
    wireError(decodeObj({ kind: 'proposal', proposal: { proposalId: 'x', action: 99, description: '' } }), 'proposal.action');
    wireError(decodeObj({ kind: 'proposal', proposal: { proposalId: 'x', action: 'PROPOSAL_ACTION_UNSPECIFIED', description: '' } }), 'proposal.action');
    wireError(decodeObj({ kind: 'signature', signature: { requestId: 'r' } }), 'signature.outcome');
    wireError(decodeObj({ kind: 'signature', signature: { requestId: 'r', outcome: 'signed' } }), 'signature.signed');
    wireError(decodeObj({ kind: 'signature', signature: { requestId: 'r', outcome: 'signed', signed: { tx: Buffer.from([1]), witnesses: [{ items: ['00'] }] } } }), 'signature.signed.witnesses.0.items.0');
    wireError(decodeObj({ kind: 'signature', signature: { requestId: 'r', outcome: 'signed', signed: { tx: Buffer.alloc(0), witnesses: [{ items: [Buffer.from([0])] }] } } }), 'signature.signed.tx');
    wireError(decodeObj({ kind: 'signature', signature: { requestId: 'r', outcome: 'refused', refused: { reason: 'REFUSAL_REASON_BORED', detail: '', conflictingTx: Buffer.alloc(0) } } }), 'signature.refused.reason');
    const fedWire = governanceToWire(federation);
    if (fedWire.kind !== 'federation') throw new Error('kind');
    wireError(decodeObj({ ...fedWire, federation: { ...fedWire.federation, publicKeys: [Buffer.alloc(32)] } }), 'federation.publicKeys.0');
    wireError(decodeObj({ ...fedWire, federation: { ...fedWire.federation, threshold: 4 } }), 'federation.threshold');
    wireError(decodeObj({ ...fedWire, federation: { ...fedWire.federation, version: -1 } }), 'federation.version');
  });

  it('reports what protobuf decodes but the domain forbids (defaults, unknown enum numbers)', () => {
    // An empty envelope, an empty signature, an unknown enum number: all valid protobuf.
    wireError(governanceFromWire(govCodec.deserialize(Buffer.alloc(0))), 'kind');
    wireError(governanceFromWire(govCodec.deserialize(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x61]))), 'signature.outcome');
    wireError(governanceFromWire(govCodec.deserialize(Buffer.from([0x22, 0x05, 0x0a, 0x01, 0x70, 0x10, 0x63]))), 'proposal.action');
    wireError(governanceFromWire(govCodec.deserialize(Buffer.from([0x12, 0x00]))), 'ack.messageId');
  });

  it('validates node messages on the server side too', () => {
    wireError(nodeFromWire({ kind: 'sign', sign: { requestId: 'r', tx: 'not bytes', inputs: [], pegOutIds: [] }, messageId: 'm' }), 'sign.tx');
    wireError(nodeFromWire({ kind: 'registerPegOut', registerPegOut: { pegOutId: 'p', destination: 'd', amountSats: '1e5', burnTxHash: 'h' }, messageId: 'm' }), 'registerPegOut.amountSats');
    wireError(nodeFromWire({ kind: 'status', status: { pegId: 'p', status: 'PEG_STATUS_UNSPECIFIED', detail: '' }, messageId: 'm' }), 'status.status');
    wireError(nodeFromWire({ kind: 'heartbeat', heartbeat: { atMs: '1' }, messageId: '' }), 'messageId');
    wireError(nodeFromWire({ kind: 'registerPegIn', registerPegIn: { txid: 't', vout: 2 ** 32, amountSats: '1', evmAddress: 'e' }, messageId: 'm' }), 'registerPegIn.vout');
  });
});
