// The governance server's key file: the federation members' private keys it holds, as JSON
// { "network": "regtest", "threshold": 3, "privateKeysHex": [...] }. A dev file is derived from
// devMemberKeys so tests, benchmarks and devnets agree on the federation without sharing secrets.
import { z } from 'zod';
import type { BitcoinNetworkName } from '../../bridge/federation.ts';
import { fromHex, toHex } from '../../types/hex.ts';
import { devMemberKeys } from '../signer.ts';

export interface KeysFile {
  readonly network: BitcoinNetworkName;
  readonly threshold: number;
  readonly privateKeysHex: readonly string[];
}

const keysFileSchema = z
  .object({
    network: z.enum(['regtest', 'testnet', 'mainnet']),
    threshold: z.number().int().min(1).max(15),
    privateKeysHex: z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 32 bytes of hex')).min(1).max(15),
  })
  .refine((k) => k.threshold <= k.privateKeysHex.length, { message: 'threshold exceeds the number of keys', path: ['threshold'] });

export class KeysFileError extends Error {
  override readonly name = 'KeysFileError';
}

/** Parses and checks a key file's text; the error names the bad field. */
export function parseKeysFile(text: string): KeysFile & { readonly privateKeys: readonly Uint8Array[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeysFileError(`keys file is not JSON: ${(err as Error).message}`);
  }
  const r = keysFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new KeysFileError(`keys file: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...r.data, privateKeys: r.data.privateKeysHex.map(fromHex) };
}

/** A dev key file (never for real funds): `members` keys from devMemberKeys(label), m-of-n. */
export function devKeysFile(label: string, members: number, threshold: number, network: BitcoinNetworkName = 'regtest'): KeysFile {
  return { network, threshold, privateKeysHex: devMemberKeys(label, members).map(toHex) };
}
