// ValidationActor: the block checks of src/consensus/validate-block.ts, run by a pool of these
// actors so that signature checks (real CPU work: about 1 ms per BLS verification) can proceed in
// parallel. In production each one will hand the work to a worker thread; in the simulation the
// same code runs with a modelled CPU cost in virtual time.
import type { Clock } from '../io/clock.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { BlockErrorCode } from '../consensus/block-error.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { type ParentInfo, validateBlock } from '../consensus/validate-block.ts';
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
}

export const validationActorName = (i: number): string => `validation-${i}`;

export function validationActor(i: number, d: ValidationDeps): ActorSpec<ValidationMsg> {
  return actor<ValidationMsg>({
    name: validationActorName(i),
    create: () => ({
      handlers: {
        validate: (m) => {
          const v = validateBlock(m.block, {
            spec: d.spec,
            nowMs: d.clock.now(),
            scheme: d.scheme,
            parent: () => m.parent,
            requireApprovals: m.requireApprovals,
            skipProposerCheck: m.skipProposerCheck,
          });
          const result: ValidationResult = v.ok ? v : { ok: false, code: v.error.code, detail: v.error.detail };
          if (d.modelledCostMs <= 0) return result;
          return new Promise<ValidationResult>((resolve) => d.clock.setTimer(d.modelledCostMs, () => resolve(result)));
        },
      },
    }),
  });
}
