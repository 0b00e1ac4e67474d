// Domain messages (messages.ts) ⇄ the plain objects of proto/governance.proto as @grpc/proto-loader
// hands them over with { longs: String, enums: String, defaults: true, oneofs: true }: uint64 as
// decimal strings, enums as their names, bytes as Buffer, the set oneof member named by `kind`.
// Everything that arrives is validated here with zod, because a peer (or a bug in one) can send any
// well-formed protobuf: bad input becomes a GovernanceWireError naming the field, never a throw.
import { z } from 'zod';
import { toHex, fromHex } from '../types/hex.ts';
import type {
  FederationUpdate,
  GovernanceMessage,
  NodeMessage,
  PegStatus,
  RefusalReason,
  SignatureRequest,
  SignatureResponse,
} from './messages.ts';

/** Bad input from the other side; `field` is the dotted path of the offending field. */
export class GovernanceWireError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`invalid governance message: ${field}: ${detail}`);
    this.name = 'GovernanceWireError';
  }
}

export type WireResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GovernanceWireError };

// ---- wire shapes (what we hand to the serializer; incoming objects are checked against schemas) ----

type Bytes = Uint8Array;
/** uint64 as proto-loader gives it with longs: String. */
type U64 = string;

export interface SignInputWire { index: number; amountSats: U64; witnessScript: Bytes }
export interface RefundClaimWire { depositTx: Bytes; vout: number; address: string; signature: string }
export interface SignatureRequestWire { requestId: string; tx: Bytes; inputs: SignInputWire[]; pegOutIds: string[]; refund?: RefundClaimWire | null }
export interface PegOutRegistrationWire { pegOutId: string; destination: string; amountSats: U64; burnTxHash: string }
export interface PegInRegistrationWire { txid: string; vout: number; amountSats: U64; evmAddress: string }
export interface PegStatusReportWire { pegId: string; status: string; detail: string }
export interface HeartbeatWire { atMs: U64 }

export type NodeEnvelopeWire = { messageId: string } & (
  | { kind: 'sign'; sign: SignatureRequestWire }
  | { kind: 'registerPegOut'; registerPegOut: PegOutRegistrationWire }
  | { kind: 'registerPegIn'; registerPegIn: PegInRegistrationWire }
  | { kind: 'status'; status: PegStatusReportWire }
  | { kind: 'heartbeat'; heartbeat: HeartbeatWire }
);

export interface SignatureResponseWire {
  requestId: string;
  outcome: 'signed' | 'refused';
  signed?: { tx: Bytes; witnesses: Array<{ items: Bytes[] }> };
  refused?: { reason: string; detail: string; conflictingTx: Bytes };
}
export interface FederationUpdateWire {
  version: number;
  threshold: number;
  publicKeys: Bytes[];
  address: string;
  witnessScript: Bytes;
  previousValidUntilHeight: number;
}

export type GovernanceEnvelopeWire =
  | { kind: 'signature'; signature: SignatureResponseWire }
  | { kind: 'ack'; ack: { messageId: string } }
  | { kind: 'federation'; federation: FederationUpdateWire }
  | { kind: 'proposal'; proposal: { proposalId: string; action: string; description: string } }
  | { kind: 'heartbeat'; heartbeat: HeartbeatWire };

// ---- enum names: the proto's prefixed SCREAMING_CASE ⇄ the domain's kebab-case ----

const enumName = (prefix: string, value: string): string => `${prefix}_${value.toUpperCase().replaceAll('-', '_')}`;
const enumTable = <T extends string>(prefix: string, values: readonly T[]): ReadonlyMap<string, T> => new Map(values.map((v) => [enumName(prefix, v), v]));

const refusalReasons = enumTable<RefusalReason>('REFUSAL_REASON', [
  'malformed-transaction',
  'unknown-input',
  'input-already-signed',
  'unregistered-peg-out',
  'wrong-payout',
  'unexpected-output',
  'fee-too-high',
  'paused',
  'unauthenticated',
  'bad-refund',
]);
const pegStatuses = enumTable<PegStatus>('PEG_STATUS', ['pending', 'confirmed', 'signature-requested', 'signed', 'broadcast', 'completed', 'failed']);
type ProposalAction = Extract<GovernanceMessage, { kind: 'proposal' }>['action'];
const proposalActions = enumTable<ProposalAction>('PROPOSAL_ACTION', ['emergency-pause', 'resume', 'other']);

// ---- schemas for what arrives ----

const bytes = z.instanceof(Uint8Array, { message: 'expected bytes' });
const nonEmptyBytes = bytes.refine((b) => b.length > 0, 'must not be empty');
const hexOf = nonEmptyBytes.transform((b) => toHex(b));
const id = z.string().min(1, 'must not be empty').max(256, 'longer than 256 characters');
/** uint64: a decimal string (longs: String); a safe integer number is tolerated. */
const u64 = z.union([z.string().regex(/^\d{1,20}$/, 'expected an unsigned decimal integer'), z.number().int().nonnegative()]).transform((v, ctx) => {
  const n = BigInt(v);
  if (n >= 1n << 64n) {
    ctx.addIssue({ code: 'custom', message: 'exceeds uint64' });
    return z.NEVER;
  }
  return n;
});
const sats = u64;
const safeMs = u64.refine((n) => n <= BigInt(Number.MAX_SAFE_INTEGER), 'exceeds a safe integer').transform((n) => Number(n));
const u32 = z.number().int().nonnegative().max(0xffff_ffff);
const fromEnum = <T extends string>(table: ReadonlyMap<string, T>) =>
  z.string({ message: 'expected an enum name' }).transform((v, ctx) => {
    const d = table.get(v);
    if (d === undefined) {
      ctx.addIssue({ code: 'custom', message: `unknown value '${v}'` });
      return z.NEVER;
    }
    return d;
  });

const federationSchema = z
  .object({
    version: u32.min(1),
    threshold: u32.min(1),
    publicKeys: z.array(bytes.refine((b) => b.length === 33, 'expected a 33-byte compressed public key')).min(1),
    address: id,
    witnessScript: hexOf,
    previousValidUntilHeight: u32,
  })
  .refine((f) => f.threshold <= f.publicKeys.length, { message: 'exceeds the number of public keys', path: ['threshold'] })
  .transform(
    (f): FederationUpdate => ({
      version: f.version,
      threshold: f.threshold,
      publicKeysHex: f.publicKeys.map(toHex),
      address: f.address,
      witnessScriptHex: f.witnessScript,
      previousValidUntilHeight: f.previousValidUntilHeight,
    }),
  );

const signatureSchema = z
  .object({
    requestId: id,
    outcome: z.enum(['signed', 'refused'], { message: "expected 'signed' or 'refused'" }),
    signed: z.object({ tx: hexOf, witnesses: z.array(z.object({ items: z.array(bytes).min(1) })).min(1) }).nullish(),
    refused: z.object({ reason: fromEnum(refusalReasons), detail: z.string(), conflictingTx: bytes }).nullish(),
  })
  .transform((r, ctx): SignatureResponse => {
    if (r.outcome === 'signed') {
      if (r.signed == null) {
        ctx.addIssue({ code: 'custom', message: 'missing', path: ['signed'] });
        return z.NEVER;
      }
      return { kind: 'signed', requestId: r.requestId, txHex: r.signed.tx, witnesses: r.signed.witnesses.map((w) => w.items.map(toHex)) };
    }
    if (r.refused == null) {
      ctx.addIssue({ code: 'custom', message: 'missing', path: ['refused'] });
      return z.NEVER;
    }
    const c = r.refused.conflictingTx;
    return { kind: 'refused', requestId: r.requestId, reason: r.refused.reason, detail: r.refused.detail, ...(c.length > 0 ? { conflictingTxHex: toHex(c) } : {}) };
  });

const governanceKinds = {
  signature: signatureSchema.transform((response): GovernanceMessage => ({ kind: 'signature', response })),
  ack: z.object({ messageId: id }).transform((a): GovernanceMessage => ({ kind: 'ack', messageId: a.messageId })),
  federation: federationSchema.transform((update): GovernanceMessage => ({ kind: 'federation', update })),
  proposal: z
    .object({ proposalId: id, action: fromEnum(proposalActions), description: z.string() })
    .transform((p): GovernanceMessage => ({ kind: 'proposal', proposalId: p.proposalId, action: p.action, description: p.description })),
  heartbeat: z.object({ atMs: safeMs }).transform((h): GovernanceMessage => ({ kind: 'heartbeat', atMs: h.atMs })),
} as const;

const signRequestSchema = z
  .object({
    requestId: id,
    // Not required to decode: the signer refuses an undecodable transaction with its own reason.
    tx: bytes.transform((b) => toHex(b)),
    inputs: z.array(z.object({ index: u32, amountSats: sats, witnessScript: bytes.transform((b) => toHex(b)) })),
    pegOutIds: z.array(id),
    refund: z.object({ depositTx: hexOf, vout: u32, address: id, signature: z.string().min(1, 'must not be empty').max(256, 'longer than 256 characters') }).nullish(),
  })
  .transform(
    (s): SignatureRequest => ({
      requestId: s.requestId,
      txHex: s.tx,
      inputs: s.inputs.map((i) => ({ index: i.index, amountSats: i.amountSats, witnessScriptHex: i.witnessScript })),
      pegOutIds: s.pegOutIds,
      ...(s.refund == null ? {} : { refund: { depositTxHex: s.refund.depositTx, vout: s.refund.vout, address: s.refund.address, signature: s.refund.signature } }),
    }),
  );

type NodeBody<K extends NodeMessage['kind']> = Omit<Extract<NodeMessage, { kind: K }>, 'messageId'>;

const nodeKinds = {
  sign: signRequestSchema.transform((request): NodeBody<'sign'> => ({ kind: 'sign', request })),
  registerPegOut: z
    .object({ pegOutId: id, destination: id, amountSats: sats, burnTxHash: id })
    .transform((registration): NodeBody<'register-peg-out'> => ({ kind: 'register-peg-out', registration })),
  registerPegIn: z
    .object({ txid: id, vout: u32, amountSats: sats, evmAddress: id })
    .transform((registration): NodeBody<'register-peg-in'> => ({ kind: 'register-peg-in', registration })),
  status: z
    .object({ pegId: id, status: fromEnum(pegStatuses), detail: z.string() })
    .transform((s): NodeBody<'status'> => ({ kind: 'status', pegId: s.pegId, status: s.status, detail: s.detail })),
  heartbeat: z.object({ atMs: safeMs }).transform((h): NodeBody<'heartbeat'> => ({ kind: 'heartbeat', atMs: h.atMs })),
} as const;

// ---- decoding ----

function fail(path: ReadonlyArray<PropertyKey>, detail: string): { ok: false; error: GovernanceWireError } {
  return { ok: false, error: new GovernanceWireError(path.length === 0 ? '(message)' : path.map(String).join('.'), detail) };
}

/** Parses `obj[kind]` with the schema of its oneof member; issues are reported with their full path. */
function decodeOneof<S extends Record<string, z.ZodType>>(obj: unknown, schemas: S): WireResult<z.output<S[keyof S]>> {
  if (typeof obj !== 'object' || obj === null) return fail([], `expected an object, got ${obj === null ? 'null' : typeof obj}`);
  const rec = obj as Record<string, unknown>;
  const kind = rec.kind;
  if (kind === undefined) return fail(['kind'], 'no message kind is set');
  if (typeof kind !== 'string' || !Object.hasOwn(schemas, kind)) return fail(['kind'], `unknown message kind '${String(kind)}'`);
  const body = rec[kind];
  if (body === undefined || body === null) return fail([kind], 'missing');
  const parsed = (schemas[kind] as z.ZodType).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail([kind, ...(issue?.path ?? [])], issue?.message ?? 'invalid');
  }
  return { ok: true, value: parsed.data as z.output<S[keyof S]> };
}

/** A GovernanceEnvelope as proto-loader decoded it → the domain message, or the first bad field. */
export function governanceFromWire(obj: unknown): WireResult<GovernanceMessage> {
  try {
    return decodeOneof(obj, governanceKinds);
  } catch (err) {
    // zod does not throw on bad data; this is a last guard so no exception reaches the link's caller.
    return fail([], `undecodable: ${(err as Error).message}`);
  }
}

/** A NodeEnvelope as proto-loader decoded it → the domain message (the server's side). */
export function nodeFromWire(obj: unknown): WireResult<NodeMessage> {
  try {
    const body = decodeOneof(obj, nodeKinds);
    if (!body.ok) return body;
    const messageId = id.safeParse((obj as Record<string, unknown>).messageId);
    if (!messageId.success) return fail(['messageId'], messageId.error.issues[0]?.message ?? 'invalid');
    return { ok: true, value: { ...body.value, messageId: messageId.data } as NodeMessage };
  } catch (err) {
    return fail([], `undecodable: ${(err as Error).message}`);
  }
}

// ---- encoding (our own domain values: trusted, but hex is still checked by fromHex) ----

const enumOut = (prefix: string, value: string): string => enumName(prefix, value);

export function nodeToWire(m: NodeMessage): NodeEnvelopeWire {
  switch (m.kind) {
    case 'sign':
      return {
        messageId: m.messageId,
        kind: 'sign',
        sign: {
          requestId: m.request.requestId,
          tx: fromHex(m.request.txHex),
          inputs: m.request.inputs.map((i) => ({ index: i.index, amountSats: i.amountSats.toString(), witnessScript: fromHex(i.witnessScriptHex) })),
          pegOutIds: [...m.request.pegOutIds],
          ...(m.request.refund === undefined
            ? {}
            : { refund: { depositTx: fromHex(m.request.refund.depositTxHex), vout: m.request.refund.vout, address: m.request.refund.address, signature: m.request.refund.signature } }),
        },
      };
    case 'register-peg-out': {
      const r = m.registration;
      return { messageId: m.messageId, kind: 'registerPegOut', registerPegOut: { pegOutId: r.pegOutId, destination: r.destination, amountSats: r.amountSats.toString(), burnTxHash: r.burnTxHash } };
    }
    case 'register-peg-in': {
      const r = m.registration;
      return { messageId: m.messageId, kind: 'registerPegIn', registerPegIn: { txid: r.txid, vout: r.vout, amountSats: r.amountSats.toString(), evmAddress: r.evmAddress } };
    }
    case 'status':
      return { messageId: m.messageId, kind: 'status', status: { pegId: m.pegId, status: enumOut('PEG_STATUS', m.status), detail: m.detail } };
    case 'heartbeat':
      return { messageId: m.messageId, kind: 'heartbeat', heartbeat: { atMs: String(m.atMs) } };
  }
}

export function federationToWire(u: FederationUpdate): FederationUpdateWire {
  return {
    version: u.version,
    threshold: u.threshold,
    publicKeys: u.publicKeysHex.map(fromHex),
    address: u.address,
    witnessScript: fromHex(u.witnessScriptHex),
    previousValidUntilHeight: u.previousValidUntilHeight,
  };
}

function signatureToWire(r: SignatureResponse): SignatureResponseWire {
  if (r.kind === 'signed') {
    return { requestId: r.requestId, outcome: 'signed', signed: { tx: fromHex(r.txHex), witnesses: r.witnesses.map((w) => ({ items: w.map(fromHex) })) } };
  }
  return {
    requestId: r.requestId,
    outcome: 'refused',
    refused: { reason: enumOut('REFUSAL_REASON', r.reason), detail: r.detail, conflictingTx: r.conflictingTxHex === undefined ? new Uint8Array(0) : fromHex(r.conflictingTxHex) },
  };
}

export function governanceToWire(m: GovernanceMessage): GovernanceEnvelopeWire {
  switch (m.kind) {
    case 'signature':
      return { kind: 'signature', signature: signatureToWire(m.response) };
    case 'ack':
      return { kind: 'ack', ack: { messageId: m.messageId } };
    case 'federation':
      return { kind: 'federation', federation: federationToWire(m.update) };
    case 'proposal':
      return { kind: 'proposal', proposal: { proposalId: m.proposalId, action: enumOut('PROPOSAL_ACTION', m.action), description: m.description } };
    case 'heartbeat':
      return { kind: 'heartbeat', heartbeat: { atMs: String(m.atMs) } };
  }
}
