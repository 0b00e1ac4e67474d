// A federation governance announced, as the node keeps it on disk. Governance's stream is the only
// place a node learns of a rotation; kept here, a node restarted while governance is unreachable
// still knows every federation address and grace period it knew before, and so still accepts the
// blocks that mint deposits to them.
import { z } from 'zod';
import type { FederationUpdate } from '../governance/messages.ts';

export const FEDERATION_PREFIX = 'peg/federation/';

export const federationKey = (version: number): string => `${FEDERATION_PREFIX}${String(version).padStart(12, '0')}`;

const recordSchema = z.object({
  version: z.number().int().positive(),
  threshold: z.number().int().positive(),
  publicKeysHex: z.array(z.string()),
  address: z.string(),
  witnessScriptHex: z.string(),
  previousValidUntilHeight: z.number().int().nonnegative(),
});

export function encodeFederationRecord(u: FederationUpdate): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(u));
}

/** The update a record holds, or undefined for bytes that are not one (a torn or foreign value). */
export function decodeFederationRecord(bytes: Uint8Array): FederationUpdate | undefined {
  try {
    const r = recordSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
