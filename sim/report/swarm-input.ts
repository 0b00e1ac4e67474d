// A swarm report as `alys sim report` reads it: the JSON `alys sim --seeds N --out FILE` writes
// (format alys-swarm-report/1, every seed listed), or the older report `--seeds N --json` prints,
// which has the totals but no per-seed list. Captured stdout works too: its last JSON line is read.
import { z } from 'zod';

const counts = z.record(z.string(), z.number().int().nonnegative());

const seedRowSchema = z.object({
  seed: z.number().int().nonnegative(),
  traceHash: z.string(),
  verdict: z.enum(['pass', 'fail']),
  failed: z.record(z.string(), z.string()).default({}),
  reproduce: z.string(),
  events: z.number().int().nonnegative().optional(),
  simulatedMs: z.number().nonnegative().optional(),
  wallMs: z.number().nonnegative().optional(),
  faults: z.number().int().nonnegative().optional(),
});

export const swarmInputSchema = z.object({
  format: z.string().optional(),
  scenario: z.string().min(1),
  scenarioRef: z.string().optional(),
  bugs: z.array(z.string()).default([]),
  seeds: z.number().int().nonnegative(),
  firstSeed: z.number().int().nonnegative(),
  range: z.object({ first: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
  shard: z.object({ index: z.number().int().positive(), of: z.number().int().positive() }).optional(),
  failures: z.array(z.object({ seed: z.number().int().nonnegative(), reproduce: z.string(), failed: z.record(z.string(), z.string()) })),
  probes: counts,
  probeSeeds: counts.default({}),
  gaps: z.array(z.string()).default([]),
  missing: z.array(z.number().int().nonnegative()).default([]),
  simulatedMs: z.number().nonnegative(),
  wallMs: z.number().nonnegative(),
  ok: z.boolean(),
  results: z.array(seedRowSchema).optional(),
});

export type SwarmInput = z.infer<typeof swarmInputSchema>;

export class SwarmInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwarmInputError';
  }
}

export function parseSwarmInput(text: string, file: string): SwarmInput {
  const json = jsonOf(text, file);
  const r = swarmInputSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    throw new SwarmInputError(`${file}: not a swarm report (alys sim --seeds N --out FILE): invalid field ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

function jsonOf(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Captured stdout of `alys sim --seeds N`: a summary line per seed, then the report.
    const last = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .pop();
    try {
      if (last !== undefined) return JSON.parse(last);
    } catch {
      // fall through to the error naming the file
    }
    throw new SwarmInputError(`${file}: no JSON swarm report in it (expected the file alys sim --seeds N --out FILE writes)`);
  }
}
