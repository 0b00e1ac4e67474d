// The first entry of a recording: what the node was started with, so that `alys replay` assembles
// the same node. Secrets stay out: the governance token, the Bitcoin RPC password and the libp2p
// identity seed are redacted, the JWT secret and key files are named by path only, and of the admin
// token only whether there was one.
import { z } from 'zod';
import type { ExecutionPayload } from '../types/chain.ts';
import { type NodeConfig, parseNodeConfig } from './config.ts';
import { type Features, parseFeatures } from './features.ts';

export const REDACTED = '<redacted>';

export interface RecordingHeader {
  readonly config: NodeConfig;
  readonly features: Features;
  /** Unix ms at virtual time 0: the node's clock reads epochMs + scheduler time. */
  readonly epochMs: number;
  readonly peerId: string;
  readonly executionGenesis: ExecutionPayload;
  readonly adminToken: boolean;
  /** The digest of the sources that recorded (src/io/prod/record/code-fingerprint.ts); absent in
   *  recordings made before it was kept. */
  readonly code?: string;
}

export function redactConfig(config: NodeConfig): NodeConfig {
  const c = structuredClone(config);
  if (c.governance !== undefined) c.governance = { ...c.governance, token: REDACTED };
  if (c.bitcoin?.password !== undefined) c.bitcoin = { ...c.bitcoin, password: REDACTED };
  if (c.network.identitySeed !== undefined) {
    const { identitySeed: _, ...network } = c.network;
    c.network = network;
  }
  return c;
}

export function recordingHeader(config: NodeConfig, o: Omit<RecordingHeader, 'config'>): RecordingHeader {
  return { config: redactConfig(config), ...o };
}

const headerShape = z.object({
  config: z.unknown(),
  features: z.unknown(),
  epochMs: z.number().nonnegative(),
  peerId: z.string().min(1),
  executionGenesis: z.object({ blockHash: z.instanceof(Uint8Array), blockNumber: z.number() }).passthrough(),
  adminToken: z.boolean(),
  code: z.string().min(1).optional(),
});

/** Reads a decoded header back; a one-line error names what is wrong with it. */
export function parseRecordingHeader(v: unknown): RecordingHeader {
  const r = headerShape.safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`the recording's header: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`}`);
  }
  return {
    config: parseNodeConfig(r.data.config, {}, "the recording's config"),
    features: parseFeatures(JSON.stringify(r.data.features), "the recording's features"),
    epochMs: r.data.epochMs,
    peerId: r.data.peerId,
    executionGenesis: r.data.executionGenesis as unknown as ExecutionPayload,
    adminToken: r.data.adminToken,
    ...(r.data.code === undefined ? {} : { code: r.data.code }),
  };
}
