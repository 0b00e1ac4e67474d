// A scenario is data, validated by one zod schema: which app, how many nodes (honest and
// Byzantine), the network and storage models, the faults (a fixed schedule or probabilities from
// which each seed draws its own schedule), how long, and which invariants must hold.
import { z } from 'zod';
import { featuresSchema } from '../src/node/features.ts';
import { faultSchema } from './chaos/faults.ts';

export const faultRatesSchema = z.object({
  /** Expected faults of each kind per simulated minute within the fault window. */
  partition: z.number().min(0).default(0),
  isolate: z.number().min(0).default(0),
  blockLink: z.number().min(0).default(0),
  crash: z.number().min(0).default(0),
  clockSkew: z.number().min(0).default(0),
  degradeNetwork: z.number().min(0).default(0),
  storageErrors: z.number().min(0).default(0),
  // Disk faults past I/O errors (see `disk-fault` in sim/chaos/faults.ts): each picks an honest node.
  /** A bit flipped at rest in one stored value (a latent sector error). */
  bitFlip: z.number().min(0).default(0),
  /** The node's next write lands under another of its keys (the intended key keeps its old value). */
  misdirectedWrite: z.number().min(0).default(0),
  /** The node's next write is acknowledged (synced, even) and never reaches the medium. */
  lostWrite: z.number().min(0).default(0),
  /** Drawn disk faults strike only keys with this prefix (e.g. `chain/` to spare the peg's records). */
  diskFaultPrefix: z.string().default(''),
  // World faults: the processes no node owns. All but engineFaults need the bridge app.
  /** Governance unreachable for a drawn duration (`governance-down`). */
  governanceOutage: z.number().min(0).default(0),
  /** Governance lies for a drawn duration: bad witnesses, underpaying transactions, garbage (`governance-byzantine`). */
  governanceByzantine: z.number().min(0).default(0),
  /** Governance answers 3 s late for a drawn duration (`governance-slow`). */
  governanceSlow: z.number().min(0).default(0),
  /** Bitcoin reorganises three blocks deep, the winning branch double-spending the newest deposits (`bitcoin-reorg`). */
  bitcoinReorg: z.number().min(0).default(0),
  /** Governance rotates the federation to new keys and a new address (`federation-rotate`). */
  federationRotation: z.number().min(0).default(0),
  /** Governance pauses peg-outs (an emergency proposal) for a drawn duration, then resumes (`emergency-pause`). */
  emergencyPause: z.number().min(0).default(0),
  /** One node's own Bitcoin node is unreachable for a drawn duration while the others' answer (`bitcoin-down`, an app fault). */
  bitcoinNodeDown: z.number().min(0).default(0),
  /** One node's execution client answers SYNCING, INVALID or nothing for a drawn duration (chain and bridge apps). */
  engineFaults: z.number().min(0).default(0),
  /** How long a drawn fault lasts: uniform in [min, max] ms. */
  minDurationMs: z.number().int().positive().default(500),
  maxDurationMs: z.number().int().positive().default(5_000),
});

export type FaultRates = z.infer<typeof faultRatesSchema>;

/** Rates of faults only the bridge app's world (governance, Bitcoin) can apply. */
export const bridgeRateKeys = ['governanceOutage', 'governanceByzantine', 'governanceSlow', 'bitcoinReorg', 'federationRotation', 'emergencyPause', 'bitcoinNodeDown'] as const;

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    app: z.enum(['toy', 'chain', 'sync', 'bridge']).default('toy'),
    /** Bridge app settings (the chain app plus Bitcoin, governance and the peg actors). */
    bridge: z
      .object({
        members: z.number().int().min(1).max(15).default(5),
        threshold: z.number().int().min(1).max(15).default(3),
        /** Bitcoin confirmations before a deposit is minted. */
        confirmations: z.number().int().positive().default(6),
        payoutConfirmations: z.number().int().positive().default(2),
        bitcoinBlockEveryMs: z.number().int().positive().default(4_000),
        depositEveryMs: z.number().int().nonnegative().default(5_000),
        burnEveryMs: z.number().int().nonnegative().default(7_000),
        /** Users stop depositing and burning here, so the run can end with everything settled. */
        workloadUntilMs: z.number().int().nonnegative().optional(),
        /** Users stop depositing here (burns go on until workloadUntilMs). */
        depositsUntilMs: z.number().int().nonnegative().optional(),
        /** Users burn their whole minted balance each time (the federation runs nearly dry). */
        burnWholeBalance: z.boolean().default(false),
        /** Share of deposits that are malformed (no OP_RETURN, garbage, two of them). */
        malformedShare: z.number().min(0).max(1).default(0),
        /** Share of deposits sent to the previous federation address after a rotation. */
        oldAddressShare: z.number().min(0).max(1).default(0.3),
        minPegOutSats: z.number().int().positive().default(10_000),
        maxFeeSats: z.number().int().positive().default(100_000),
        governanceLatencyMs: z.number().min(0).default(20),
        bitcoinRpcLatencyMs: z.number().min(0).default(3),
        /** Grace period, in Bitcoin blocks, during which the old address still counts after a rotation. */
        rotationGraceBlocks: z.number().int().nonnegative().default(15),
      })
      .prefault({}),
    /** Sync app settings: n0 syncs from the other honest nodes (serving peers); Byzantine nodes serve forgeries. */
    sync: z
      .object({
        blocks: z.number().int().positive().default(2_000),
        /** The source chain's signatures: simulated (cheap) or real BLS (blst, as in production). */
        crypto: z.enum(['sim', 'bls']).default('sim'),
        /** The serving peers' chain grows by one block this often (0: a fixed chain). */
        growEveryMs: z.number().int().nonnegative().default(0),
        strategy: z.enum(['parallel', 'sequential']).default('parallel'),
        batchSize: z.number().int().positive().default(256),
        execMs: z.number().min(0).default(1.2),
        forkchoiceMs: z.number().min(0).default(0.6),
        verifyCostMs: z.number().min(0).default(1.1),
        cores: z.number().int().positive().default(2),
        checkpointEvery: z.number().int().positive().default(100),
        productionThreshold: z.number().min(0).max(1).default(0.995),
        /** What Byzantine serving peers do: serve forged batches, or announce up to 500 blocks more than they have (as many as the slots allow) and answer nothing above what they have. */
        byzantine: z.enum(['forge', 'overclaim']).default('forge'),
        /** Slots the chain missed before its first block: room for a head claim above the real one that no slot count refutes. */
        missedSlots: z.number().int().nonnegative().default(0),
      })
      .prefault({}),
    /** Chain app settings (ignored by the toy app). */
    chain: z
      .object({
        crypto: z.enum(['sim', 'bls']).default('sim'),
        slotDurationMs: z.number().int().positive().default(2_000),
        maxBlocksWithoutPow: z.number().int().positive().default(60),
        /** A simulated miner submits AuxPow this often; 0 disables mining. */
        minerEveryMs: z.number().int().nonnegative().default(8_000),
        /**
         * The merged miners' hashrate: the nonces they try on each round's work. A harder target takes
         * more rounds to meet, so proofs slow down and the retarget eases, as it does for real miners.
         */
        minerHashesPerRound: z.number().int().positive().default(32),
        engineLatencyMs: z.number().min(0).default(2),
        /** Modelled CPU cost of validating one block's signatures (virtual ms, on a validation actor). */
        verifyCostMs: z.number().min(0).default(0),
        /** Byzantine authorities' behaviour mix. */
        /** twins: each Byzantine node runs an honest node with a copy of an honest authority's key. */
        /** gossip-garbage: Byzantine peers are no authorities and flood every honest node's gossip with garbage. */
        /** payload-fork: in its own slots, a block whose execution payload builds on an older execution block. */
        /** flood: bursts of blocks with unknown parents (each costs a validation) and status messages, to fill the chain actor's mailbox. */
        /** height-liar: every slot, tells each honest node its head is 2^40 blocks above the best block it heard. */
        byzantine: z.enum(['mixed', 'equivocate', 'garbage', 'collude', 'twins', 'gossip-garbage', 'payload-fork', 'flood', 'height-liar', 'forged-signature']).default('mixed'),
        /** The honest nodes' feature flags (the features file of a production node). */
        features: featuresSchema.optional(),
      })
      .prefault({}),
    nodes: z.number().int().min(1).max(64),
    byzantine: z.number().int().min(0).max(16).default(0),
    durationMs: z.number().int().positive(),
    /** Invariants are checked at least this often (virtual ms), and right after every fault. */
    checkEveryMs: z.number().int().positive().default(20),
    livenessWindowMs: z.number().int().positive().default(10_000),
    network: z
      .object({
        latencyMs: z.number().min(0).default(5),
        jitterMs: z.number().min(0).default(5),
        bandwidthBytesPerMs: z.number().positive().optional(),
        loss: z.number().min(0).max(1).default(0),
        duplicate: z.number().min(0).max(1).default(0),
        reorder: z.number().min(0).max(1).default(0),
      })
      .prefault({}),
    storage: z
      .object({
        syncLatencyMs: z.number().min(0).default(1),
        tornWrites: z.boolean().default(false),
      })
      .prefault({}),
    faults: z
      .object({
        schedule: z.array(faultSchema).default([]),
        rates: faultRatesSchema.optional(),
        /** Drawn faults happen within [startMs, endMs); everything heals at endMs. */
        window: z.object({ startMs: z.number().int().nonnegative(), endMs: z.number().int().positive() }).optional(),
      })
      .prefault({}),
    /**
     * The invariants this scenario is about (documentation, validated against the app's names).
     * Every invariant of the app and the world is checked in every run, listed here or not.
     */
    invariants: z.array(z.string()).default([]),
    workloadEveryMs: z.number().int().positive().optional(),
    /**
     * A negative scenario: these invariants must fail (showing the checkers are not vacuous); the run
     * is ok when they all do and every other invariant, except those in mayFail, passes.
     */
    expectViolated: z.array(z.string()).default([]),
    mayFail: z.array(z.string()).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.faults.rates !== undefined && s.faults.window === undefined) {
      ctx.addIssue({ code: 'custom', path: ['faults', 'window'], message: 'rates need a window' });
    }
    const r = s.faults.rates;
    if (r !== undefined) {
      for (const k of bridgeRateKeys) {
        if (r[k] > 0 && s.app !== 'bridge') ctx.addIssue({ code: 'custom', path: ['faults', 'rates', k], message: `needs app bridge (governance and Bitcoin live there), not ${s.app}` });
      }
      if (r.engineFaults > 0 && s.app !== 'chain' && s.app !== 'bridge') {
        ctx.addIssue({ code: 'custom', path: ['faults', 'rates', 'engineFaults'], message: `needs app chain or bridge, not ${s.app}` });
      }
      if (r.minDurationMs > r.maxDurationMs) ctx.addIssue({ code: 'custom', path: ['faults', 'rates', 'maxDurationMs'], message: 'must not be below minDurationMs' });
    }
    if (s.faults.window !== undefined && s.faults.window.endMs > s.durationMs) {
      ctx.addIssue({ code: 'custom', path: ['faults', 'window', 'endMs'], message: 'must not exceed durationMs' });
    }
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Parses a scenario; the error names the field path of the first problem. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  throw new ScenarioError(`${source}: invalid field ${path}: ${issue?.message ?? 'invalid'}`);
}

export function nodeIds(s: Pick<Scenario, 'nodes' | 'byzantine'>): { honest: string[]; byzantine: string[] } {
  const honest = Array.from({ length: s.nodes }, (_, i) => `n${i}`);
  const byzantine = Array.from({ length: s.byzantine }, (_, i) => `byz${i}`);
  return { honest, byzantine };
}
