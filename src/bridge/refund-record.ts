// A refund of a rejected deposit's output as the node keeps it: written before each step it records
// is taken (asked, signed, broadcast, confirmed), so a crash resumes it and never loses it.
import { z } from 'zod';

export const REFUND_PREFIX = 'peg/refund/';
export const refundKey = (txid: string, vout: number): string => `${REFUND_PREFIX}${txid}:${vout}`;

export type RefundState = 'requested' | 'signed' | 'broadcast' | 'refunded' | 'refused';

export interface RefundRecord {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly address: string;
  /** The depositor's BIP-137 signature, forwarded to governance with every request. */
  readonly signature: string;
  /** The deposit transaction, which governance checks the proof against. */
  readonly depositTxHex: string;
  readonly witnessScriptHex: string;
  /** The unsigned refund transaction (its txid is the refund's: witnesses do not change it). */
  readonly txHex: string;
  readonly refundTxid: string;
  readonly feeSats: bigint;
  readonly state: RefundState;
  readonly requestId: string;
  readonly attempts: number;
  readonly signedTxHex?: string;
  /** Why governance refused it (state 'refused'); a new request may be made. */
  readonly refusal?: string;
}

const schema = z.object({
  txid: z.string(),
  vout: z.number().int().nonnegative(),
  amountSats: z.string().regex(/^\d+$/),
  address: z.string(),
  signature: z.string(),
  depositTxHex: z.string(),
  witnessScriptHex: z.string(),
  txHex: z.string(),
  refundTxid: z.string(),
  feeSats: z.string().regex(/^\d+$/),
  state: z.enum(['requested', 'signed', 'broadcast', 'refunded', 'refused']),
  requestId: z.string(),
  attempts: z.number().int().nonnegative(),
  signedTxHex: z.string().optional(),
  refusal: z.string().optional(),
});

export function encodeRefund(r: RefundRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...r, amountSats: r.amountSats.toString(), feeSats: r.feeSats.toString() }));
}

export function decodeRefund(bytes: Uint8Array): RefundRecord | undefined {
  try {
    const r = schema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!r.success) return undefined;
    const { signedTxHex, refusal, ...rest } = r.data;
    return { ...rest, amountSats: BigInt(rest.amountSats), feeSats: BigInt(rest.feeSats), ...(signedTxHex !== undefined ? { signedTxHex } : {}), ...(refusal !== undefined ? { refusal } : {}) };
  } catch {
    return undefined;
  }
}
