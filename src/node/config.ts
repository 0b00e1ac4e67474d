// The production node's configuration: one zod schema, read from a JSON file and overridden by
// environment variables ALYS_<SECTION>__<FIELD> (levels joined by a double underscore, camelCase
// fields as SNAKE_CASE: ALYS_EXECUTION__ENGINE_URL sets execution.engineUrl). An invalid config is
// refused with the path of the offending field, and so is a field the schema does not know (a
// misspelled one would otherwise be dropped in silence and its default used). No federation private
// key has a place here: the node knows the federation's public keys only.
import { multiaddr } from '@multiformats/multiaddr';
import { z } from 'zod';
import { parseHostPort } from './host-port.ts';

const hex = (bytes?: number) =>
  z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]*$/, 'must be hex')
    .refine((s) => bytes === undefined || s.replace(/^0x/, '').length === bytes * 2, `must be ${bytes ?? 0} bytes of hex`);

const multiaddrString = z.string().superRefine((s, ctx) => {
  try {
    multiaddr(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a multiaddr (${(err as Error).message})` });
  }
});

const hostPort = z.string().superRefine((s, ctx) => {
  try {
    parseHostPort(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const nodeConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  chain: z.strictObject({
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
  /** The feature flags file (src/node/features.ts): reloaded on change and on SIGHUP. */
  featuresFile: z.string().min(1).optional(),
  /** This node's authority (BLS) key seed file, if it is an authority: a consensus key, not a federation key. */
  authorityKeyFile: z.string().optional(),
  execution: z.strictObject({
    engineUrl: z.url(),
    rpcUrl: z.url(),
    jwtSecretFile: z.string().min(1),
    /** How long start-up waits for the execution client to answer before giving up. */
    startupTimeoutMs: z.number().int().positive().default(60_000),
    migration: z.enum(['v2-only', 'shadow', 'v3-primary', 'v3-only']).default('v2-only'),
    cancunTime: z.number().int().nonnegative().optional(),
  }),
  bitcoin: z
    .strictObject({
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
    .strictObject({
      address: z.string().min(1),
      // Sent as an HTTP/2 header: far below the 64 KiB a header field may take.
      token: z.string().min(1).max(4_096),
      tlsCaFile: z.string().optional(),
      /** The federation's public side: compressed secp256k1 keys and the threshold. */
      federation: z.strictObject({ publicKeys: z.array(hex(33)).min(1), threshold: z.number().int().positive() }),
      minPegOutSats: z.number().int().positive().default(1_000_000),
    })
    .optional(),
  network: z
    .strictObject({
      listen: multiaddrString.default('/ip4/127.0.0.1/tcp/0'),
      bootstrap: z.array(multiaddrString).default([]),
      /** What identify tells peers to dial instead of the listen addresses; [] tells them nothing (peers behind a proxy dial only their configured address). */
      announce: z.array(multiaddrString).optional(),
      /** 32-byte hex seed of the node's libp2p identity, so its peer id survives restarts. */
      identitySeed: hex(32).optional(),
    })
    .prefault({}),
  rpc: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:0'),
      /** Most calls in one JSON-RPC batch; a larger batch gets one error. */
      maxBatch: z.number().int().min(1).max(10_000).default(100),
      /** Largest request body; a larger one gets HTTP 413. */
      maxBodyBytes: z.number().int().min(1_024).max(64 * 1024 * 1024).default(1024 * 1024),
      /** Most open connections at once. */
      maxConnections: z.number().int().min(1).max(10_000).default(64),
      /** A file holding the admin token: the rollout and backup methods need it as a bearer. */
      adminTokenFile: z.string().min(1).optional(),
    })
    .prefault({}),
  sync: z
    .strictObject({
      productionThreshold: z.number().min(0).max(1).default(0.995),
      /** parallel: batches from several peers, signatures on the worker pool; sequential: the legacy one peer, one batch at a time. */
      strategy: z.enum(['parallel', 'sequential']).default('parallel'),
      batchSize: z.number().int().min(1).max(1_024).optional(),
    })
    .prefault({}),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

/** The chain settings a config leaves to their defaults, for a given genesis time. */
export function defaultChainConfig(genesisTimeMs: number): NodeConfig['chain'] {
  return nodeConfigSchema.shape.chain.parse({ genesisTimeMs, authorities: ['00'.repeat(48)] });
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const snake = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

const rootFields = Object.keys(nodeConfigSchema.shape);

/**
 * Applies ALYS_… overrides to a parsed JSON object (values parsed as JSON when they are JSON). A name
 * with no double underscore overrides a top-level field only if there is one by that name (other
 * tools' variables, such as ALYS_LOG_LEVEL, share the prefix); a name that does have one must start
 * with a known section, so a misspelled section is refused rather than ignored.
 */
export function applyEnv(input: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out = structuredClone(input);
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!name.startsWith('ALYS_') || raw === undefined) continue;
    const path = name.slice(5).split('__');
    if (!rootFields.some((f) => snake(f) === path[0])) {
      if (path.length === 1) continue;
      throw new ConfigError(`environment ${name}: no config section ${path[0]?.toLowerCase() ?? ''} (sections: ${rootFields.join(', ')})`);
    }
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
  if (issue?.code === 'unrecognized_keys') {
    const fields = issue.keys.map((k) => [...issue.path, k].join('.'));
    throw new ConfigError(`${source}: unknown field${fields.length > 1 ? 's' : ''} ${fields.join(', ')}`);
  }
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  throw new ConfigError(`${source}: invalid field ${path}: ${issue?.message ?? 'invalid'}`);
}

/** Parses a config file's text; a file that is not JSON is named with the line and column. */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const offset = at === null ? text.length : Number(at[1]);
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = (before[before.length - 1]?.length ?? 0) + 1;
    throw new ConfigError(`${source}:${line}:${column}: not JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

/** The files a config names, by field: each must exist before the node starts. */
export function configFiles(c: NodeConfig): Array<{ readonly field: string; readonly path: string }> {
  const files = [{ field: 'execution.jwtSecretFile', path: c.execution.jwtSecretFile }];
  if (c.authorityKeyFile !== undefined) files.push({ field: 'authorityKeyFile', path: c.authorityKeyFile });
  if (c.bitcoin?.cookieFile !== undefined) files.push({ field: 'bitcoin.cookieFile', path: c.bitcoin.cookieFile });
  if (c.governance?.tlsCaFile !== undefined) files.push({ field: 'governance.tlsCaFile', path: c.governance.tlsCaFile });
  if (c.rpc.adminTokenFile !== undefined) files.push({ field: 'rpc.adminTokenFile', path: c.rpc.adminTokenFile });
  if (c.featuresFile !== undefined) files.push({ field: 'featuresFile', path: c.featuresFile });
  return files;
}
