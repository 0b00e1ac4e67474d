// A rejected deposit as the node keeps it on disk: why it was rejected, where, and the transaction
// itself (what a refund's proof is checked against). Kept durable because its outputs must stay
// apart from the federation's spendable coins from the moment the node starts, not only once a
// rescan of Bitcoin has found them again, and because getdeposit must answer after a restart.
import { z } from 'zod';

export const REJECTED_PREFIX = 'peg/rejected/';
export const rejectedKey = (txid: string): string => `${REJECTED_PREFIX}${txid}`;

export interface RejectedDeposit {
  readonly txid: string;
  readonly reason: string;
  readonly detail: string;
  /** Bitcoin height of the block that holds it. */
  readonly height: number;
  /** The outputs that pay a federation: the coins a refund gives back. */
  readonly outputs: ReadonlyArray<{ readonly vout: number; readonly amountSats: bigint; readonly federationVersion: number }>;
  /** The transaction, serialized with witnesses. */
  readonly txHex: string;
}

const schema = z.object({
  txid: z.string().regex(/^[0-9a-f]{64}$/),
  reason: z.string(),
  detail: z.string(),
  height: z.number().int().nonnegative(),
  outputs: z.array(z.object({ vout: z.number().int().nonnegative(), amountSats: z.string().regex(/^\d+$/), federationVersion: z.number().int().positive() })),
  txHex: z.string().regex(/^[0-9a-f]*$/),
});

export function encodeRejected(r: RejectedDeposit): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...r, outputs: r.outputs.map((o) => ({ ...o, amountSats: o.amountSats.toString() })) }));
}

/** The record, or undefined for bytes that are not one (a torn or foreign value). */
export function decodeRejected(bytes: Uint8Array): RejectedDeposit | undefined {
  try {
    const r = schema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return r.success ? { ...r.data, outputs: r.data.outputs.map((o) => ({ ...o, amountSats: BigInt(o.amountSats) })) } : undefined;
  } catch {
    return undefined;
  }
}
