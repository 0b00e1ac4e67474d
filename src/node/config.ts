// The production node's configuration: one zod schema, read from a JSON file and overridden by
// environment variables ALYS_<SECTION>__<FIELD> (levels joined by a double underscore, camelCase
// fields as SNAKE_CASE: ALYS_EXECUTION__ENGINE_URL sets execution.engineUrl). An invalid config is
// refused with the path of the offending field. No federation private key has a place here: the
// node knows the federation's public keys only.
import { z } from 'zod';

const hex = (bytes?: number) =>
  z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]*$/, 'must be hex')
    .refine((s) => bytes === undefined || s.replace(/^0x/, '').length === bytes * 2, `must be ${bytes ?? 0} bytes of hex`);

export const nodeConfigSchema = z.object({
  dataDir: z.string().min(1),
  chain: z.object({
    chainId: z.number().int().positive().default(121212),
    slotDurationMs: z.number().int().min(100).default(2_000),
    genesisTimeMs: z.number().int().nonnegative(),
    /** BLS public keys of the authorities, in order. */
    authorities: z.array(hex(48)).min(1),
    maxBlocksWithoutPow: z.number().int().positive().default(60),
    auxPowChainId: z.number().int().nonnegative().default(1337),
    initialBits: z.number().int().positive().default(0x207fffff),
    auxPowTargetSpacingSlots: z.number().int().positive().default(4),
  }),
  /** This node's authority (BLS) key seed file, if it is an authority: a consensus key, not a federation key. */
  authorityKeyFile: z.string().optional(),
  execution: z.object({
    engineUrl: z.url(),
    rpcUrl: z.url(),
    jwtSecretFile: z.string().min(1),
    migration: z.enum(['v2-only', 'shadow', 'v3-primary', 'v3-only']).default('v2-only'),
    cancunTime: z.number().int().nonnegative().optional(),
  }),
  bitcoin: z
    .object({
      url: z.url(),
      user: z.string().optional(),
      password: z.string().optional(),
      cookieFile: z.string().optional(),
      dialect: z.enum(['bitcoind', 'btcd']).default('bitcoind'),
      network: z.enum(['regtest', 'testnet', 'mainnet']).default('regtest'),
      confirmations: z.number().int().positive().default(6),
      startHeight: z.number().int().nonnegative().default(0),
    })
    .refine((b) => b.cookieFile !== undefined || (b.user !== undefined && b.password !== undefined), { message: 'needs user and password, or cookieFile' })
    .optional(),
  governance: z
    .object({
      address: z.string().min(1),
      // Sent as an HTTP/2 header: far below the 64 KiB a header field may take.
      token: z.string().min(1).max(4_096),
      tlsCaFile: z.string().optional(),
      /** The federation's public side: compressed secp256k1 keys and the threshold. */
      federation: z.object({ publicKeys: z.array(hex(33)).min(1), threshold: z.number().int().positive() }),
      minPegOutSats: z.number().int().positive().default(10_000),
    })
    .optional(),
  network: z
    .object({
      listen: z.string().default('/ip4/127.0.0.1/tcp/0'),
      bootstrap: z.array(z.string()).default([]),
      /** 32-byte hex seed of the node's libp2p identity, so its peer id survives restarts. */
      identitySeed: hex(32).optional(),
    })
    .prefault({}),
  rpc: z.object({ listen: z.string().default('127.0.0.1:0') }).prefault({}),
  sync: z
    .object({
      productionThreshold: z.number().min(0).max(1).default(0.995),
      /** parallel: batches from several peers, signatures on the worker pool; sequential: the legacy one peer, one batch at a time. */
      strategy: z.enum(['parallel', 'sequential']).default('parallel'),
      batchSize: z.number().int().min(1).max(1_024).optional(),
    })
    .prefault({}),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const snake = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Applies ALYS_… overrides to a parsed JSON object (values parsed as JSON when they are JSON). */
export function applyEnv(input: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out = structuredClone(input);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('ALYS_') || raw === undefined) continue;
    const path = name.slice(5).split('__');
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    let cur: Record<string, unknown> = out;
    path.forEach((seg, i) => {
      const key = Object.keys(cur).find((k) => snake(k) === seg) ?? seg.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (i === path.length - 1) cur[key] = value;
      else {
        if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
        cur = cur[key] as Record<string, unknown>;
      }
    });
  }
  return out;
}

export function parseNodeConfig(input: unknown, env: Readonly<Record<string, string | undefined>> = {}, source = 'config'): NodeConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(`${source}: must be a JSON object`);
  const r = nodeConfigSchema.safeParse(applyEnv(input as Record<string, unknown>, env));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  throw new ConfigError(`${source}: invalid field ${path}: ${issue?.message ?? 'invalid'}`);
}
