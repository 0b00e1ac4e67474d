// The node's feature flags: the settings an operator may change on a running node, from a JSON file
// that reloads on change or SIGHUP. They are the design's `[features]` and `[rollout]` tables, kept
// to the flags this node really has:
//   improvedSync        the sync strategy: parallel batches from several peers, or the legacy one
//   parallelValidation  block signatures verified on the worker pool, or on the main thread
//   lighthouseV5        the Engine API migration mode, and the staged V3 rollout it may run
//   peg.paused          this node's emergency pause of the peg (it stops asking for signatures and
//                       minting; the chain goes on)
//   logLevel            pino's level
// Every object is strict, so a misspelled field is refused with its path rather than ignored.
import { z } from 'zod';
import { ROLLOUT_STAGES } from '../rollout/rollout-state.ts';

export const engineModes = ['v2-only', 'shadow', 'v3-primary', 'v3-only', 'rollout'] as const;
export type EngineMode = (typeof engineModes)[number];

export const rolloutSchema = z
  .strictObject({
    /** How long each stage (10, 25, 50, 75, 90, 100 %) must stay healthy before the next. */
    stageDurationMs: z.number().int().min(1_000).default(600_000),
    /** true: advance by itself when a stage has been healthy for its duration; false: only rollout_advance moves it. */
    gradual: z.boolean().default(true),
    /** true: a tripped health gate rolls back to 0 %; false: it only pauses. */
    rollbackOnError: z.boolean().default(true),
    /** The health gates are judged over windows of this length. */
    gateWindowMs: z.number().int().min(100).default(60_000),
    /** Largest tolerated share of failed V3 calls in a window (the design's 0.01 %). */
    maxErrorRate: z.number().min(0).max(1).default(0.0001),
    /** Largest tolerated shadow mismatches in a window. */
    maxShadowMismatches: z.number().int().nonnegative().default(0),
    /** Largest tolerated payload build or import failures in a window. */
    maxPayloadFailures: z.number().int().nonnegative().default(0),
  })
  .prefault({});

export const featuresSchema = z.strictObject({
  improvedSync: z.boolean().default(true),
  parallelValidation: z.boolean().default(true),
  lighthouseV5: z
    .strictObject({
      mode: z.enum(engineModes).default('v2-only'),
      /** Where a rollout starts (a stage, or 0); later it is the rollout's own persisted stage that counts. */
      startPercent: z
        .number()
        .int()
        .refine((p) => p === 0 || (ROLLOUT_STAGES as readonly number[]).includes(p), { message: `must be 0 or a stage: ${ROLLOUT_STAGES.join(', ')}` })
        .default(10),
      rollout: rolloutSchema,
    })
    .prefault({}),
  peg: z.strictObject({ paused: z.boolean().default(false) }).prefault({}),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

export type Features = z.infer<typeof featuresSchema>;
export type RolloutSettings = Features['lighthouseV5']['rollout'];

export const defaultFeatures: Features = featuresSchema.parse({});

export class FeaturesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeaturesError';
  }
}

/** Parses the file's text; a FeaturesError names the file and the field (or line:column) that is wrong. */
export function parseFeatures(text: string, source = 'features'): Features {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FeaturesError(`${source}: not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FeaturesError(`${source}: must be a JSON object`);
  const r = featuresSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  const keys = issue !== undefined && 'keys' in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(', ')})` : '';
  throw new FeaturesError(`${source}: invalid field ${path}${keys}: ${issue?.message ?? 'invalid'}`);
}

/** The dotted paths whose values differ, for the reload log and the actors that care. */
export function changedFeatures(a: Features, b: Features): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      for (const k of Object.keys(x).sort()) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
      return;
    }
    if (x !== y) out.push(path);
  };
  walk(a, b, '');
  return out;
}
