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

export type ValidationMsg = Ask<
  {
    readonly type: 'validate';
    readonly block: SignedConsensusBlock;
    readonly parent: ParentInfo | undefined;
    readonly requireApprovals: boolean;
    readonly skipProposerCheck: boolean;
  },
  ValidationResult
>;

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
      },
    }),
  });
}
