// ValidationActor: the block checks of src/consensus/validate-block.ts, run by a pool of these
// actors so that signature checks (real CPU work: about 1 ms per BLS verification) can proceed in
// parallel. The structural checks run here; the signature sets go to `verifier`: worker threads in
// production (src/io/prod/signature-pool.ts), in-thread with a modelled CPU cost in the simulation.
import type { Clock } from '../io/clock.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { BlockErrorCode } from '../consensus/block-error.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { type ParentInfo, checkBlockStructure } from '../consensus/validate-block.ts';
import { type SetVerifier, inThreadVerifier } from '../consensus/signature-sets.ts';
import type { SignatureScheme } from '../crypto/signature-scheme.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';

export type ValidationResult = { readonly ok: true; readonly hash: Uint8Array } | { readonly ok: false; readonly code: BlockErrorCode; readonly detail: string };

export type ValidationMsg =
  | Ask<
      {
        readonly type: 'validate';
        readonly block: SignedConsensusBlock;
        readonly parent: ParentInfo | undefined;
        readonly requireApprovals: boolean;
        readonly skipProposerCheck: boolean;
        /** Planted bug `chain-skip-payload-linkage`. */
        readonly skipPayloadLinkage?: boolean;
      },
      ValidationResult
    >
  /**
   * A run of blocks from sync, each with its parent, approvals required: their signature sets go to
   * the verifier in one call, which the worker pool checks as one batch (random linear combination,
   * as Lodestar does: about a third of the cost of one by one). One result per block, in order.
   */
  | Ask<{ readonly type: 'validate-batch'; readonly blocks: ReadonlyArray<{ readonly block: SignedConsensusBlock; readonly parent: ParentInfo }> }, readonly ValidationResult[]>;

export interface ValidationDeps {
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  readonly clock: Clock;
  /** Simulation only: virtual ms one validation costs (the signature checks). */
  readonly modelledCostMs: number;
  /** Where signature sets are verified; in-thread with `scheme` when absent. */
  readonly verifier?: SetVerifier;
}

export const validationActorName = (i: number): string => `validation-${i}`;

export function validationActor(i: number, d: ValidationDeps): ActorSpec<ValidationMsg> {
  const verify = d.verifier ?? inThreadVerifier(d.scheme);
  return actor<ValidationMsg>({
    name: validationActorName(i),
    create: () => ({
      handlers: {
        validate: async (m): Promise<ValidationResult> => {
          const checked = checkBlockStructure(m.block, {
            spec: d.spec,
            nowMs: d.clock.now(),
            parent: () => m.parent,
            requireApprovals: m.requireApprovals,
            skipProposerCheck: m.skipProposerCheck,
            skipPayloadLinkage: m.skipPayloadLinkage === true,
          });
          let result: ValidationResult;
          if (!checked.ok) result = { ok: false, code: checked.error.code, detail: checked.error.detail };
          else {
            const verdicts = await verify(checked.sets.map((l) => l.set));
            const bad = checked.sets.find((_, i) => verdicts[i] !== true);
            result = bad === undefined ? { ok: true, hash: checked.hash } : { ok: false, code: bad.code, detail: bad.detail };
          }
          if (d.modelledCostMs <= 0) return result;
          return new Promise<ValidationResult>((resolve) => d.clock.setTimer(d.modelledCostMs, () => resolve(result)));
        },
        'validate-batch': async (m): Promise<readonly ValidationResult[]> => {
          const checked = m.blocks.map((b) =>
            checkBlockStructure(b.block, { spec: d.spec, nowMs: d.clock.now(), parent: () => b.parent, requireApprovals: true, skipProposerCheck: false }),
          );
          const sets = checked.flatMap((c) => (c.ok ? c.sets.map((l) => l.set) : []));
          const verdicts = sets.length === 0 ? [] : await verify(sets);
          let at = 0;
          const results = checked.map((c): ValidationResult => {
            if (!c.ok) return { ok: false, code: c.error.code, detail: c.error.detail };
            const mine = verdicts.slice(at, at + c.sets.length);
            at += c.sets.length;
            const bad = c.sets.find((_, i) => mine[i] !== true);
            return bad === undefined ? { ok: true, hash: c.hash } : { ok: false, code: bad.code, detail: bad.detail };
          });
          const cost = d.modelledCostMs * m.blocks.length;
          if (cost <= 0) return results;
          return new Promise<readonly ValidationResult[]>((resolve) => d.clock.setTimer(cost, () => resolve(results)));
        },
      },
    }),
  });
}
