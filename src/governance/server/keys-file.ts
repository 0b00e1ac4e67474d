// The governance server's key file: the federation members' private keys it holds, as JSON
// { "network": "regtest", "threshold": 3, "privateKeysHex": [...], "rotations": [...] }. Each
// rotation (oldest first) is a later federation: { "threshold", "privateKeysHex",
// "previousValidUntilHeight" } (deposits to the earlier addresses count up to that Bitcoin height).
// The server applies them at start and, on SIGHUP, any appended since. A dev file is derived from
// devMemberKeys so tests, benchmarks and devnets agree on the federation without sharing secrets.
import { z } from 'zod';
import type { BitcoinNetworkName } from '../../bridge/federation.ts';
import { fromHex, toHex } from '../../types/hex.ts';
import { devMemberKeys } from '../signer.ts';

export interface KeysFileRotation {
  readonly threshold: number;
  readonly privateKeysHex: readonly string[];
  readonly previousValidUntilHeight: number;
}

export interface KeysFile {
  readonly network: BitcoinNetworkName;
  readonly threshold: number;
  readonly privateKeysHex: readonly string[];
  readonly rotations?: readonly KeysFileRotation[];
}

const keys = z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 32 bytes of hex')).min(1).max(15);
const enoughKeys = { message: 'threshold exceeds the number of keys', path: ['threshold'] };

const keysFileSchema = z
  .object({
    network: z.enum(['regtest', 'testnet', 'mainnet']),
    threshold: z.number().int().min(1).max(15),
    privateKeysHex: keys,
    rotations: z
      .array(
        z
          .object({ threshold: z.number().int().min(1).max(15), privateKeysHex: keys, previousValidUntilHeight: z.number().int().nonnegative() })
          .refine((r) => r.threshold <= r.privateKeysHex.length, enoughKeys),
      )
      .default([]),
  })
  .refine((k) => k.threshold <= k.privateKeysHex.length, enoughKeys);

export class KeysFileError extends Error {
  override readonly name = 'KeysFileError';
}

/** Parses and checks a key file's text; the error names the bad field. */
export function parseKeysFile(text: string): KeysFile & {
  readonly privateKeys: readonly Uint8Array[];
  readonly rotationKeys: ReadonlyArray<{ readonly privateKeys: readonly Uint8Array[]; readonly threshold: number; readonly previousValidUntilHeight: number }>;
} {
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
  return {
    ...r.data,
    privateKeys: r.data.privateKeysHex.map(fromHex),
    rotationKeys: r.data.rotations.map((x) => ({ privateKeys: x.privateKeysHex.map(fromHex), threshold: x.threshold, previousValidUntilHeight: x.previousValidUntilHeight })),
  };
}

/** A dev key file (never for real funds): `members` keys from devMemberKeys(label), m-of-n. */
export function devKeysFile(label: string, members: number, threshold: number, network: BitcoinNetworkName = 'regtest'): KeysFile {
  return { network, threshold, privateKeysHex: devMemberKeys(label, members).map(toHex) };
}
