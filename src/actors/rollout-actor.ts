// RolloutActor: owns the staged V3 rollout. The engine router tells it each V3 call's outcome; a
// timer at every gate window judges the health gates and advances the stage; operators drive it with
// the admin methods (status, advance, pause, rollback). Every change of stage is persisted before it
// is published, so a restart resumes at the persisted stage, and a rollback survives a crash.
import type { StorageIO } from '../io/storage.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { RolloutSettings } from '../node/features.ts';
import {
  type RolloutOutcome,
  type RolloutState,
  ROLLOUT_STAGES,
  advance,
  decodeRollout,
  encodeRollout,
  initialRollout,
  pause,
  rollback,
  rolloutPercent,
  recordOutcome,
  tick,
} from '../rollout/rollout-state.ts';

export const ROLLOUT_KEY = 'rollout/state';

export interface RolloutView {
  readonly percent: number;
  readonly stage: number;
  readonly stages: readonly number[];
  readonly paused: boolean;
  readonly rolledBack?: { readonly atMs: number; readonly reason: string };
  readonly rollbacks: number;
  readonly stageSinceMs: number;
  readonly window: RolloutState['window'];
}

export type RolloutMsg =
  | { readonly type: 'outcome'; readonly outcome: RolloutOutcome }
  | { readonly type: 'tick' }
  | Ask<{ readonly type: 'status' }, RolloutView>
  | Ask<{ readonly type: 'advance' }, RolloutView>
  | Ask<{ readonly type: 'pause' }, RolloutView>
  | Ask<{ readonly type: 'rollback'; readonly reason: string }, RolloutView>;

export const rolloutActorName = 'rollout';

export interface RolloutDeps {
  readonly storage: StorageIO;
  readonly settings: () => RolloutSettings;
  readonly startPercent: () => number;
  readonly publish: (view: RolloutView) => void;
  readonly log: (line: string) => void;
  readonly sometimes: (probe: string) => void;
  /** Planted bug: the gates never trip (the checker must see the rollout stay on a failing V3). */
  readonly ignoreGates?: boolean;
}

const viewOf = (s: RolloutState): RolloutView => ({
  percent: rolloutPercent(s),
  stage: s.stage,
  stages: ROLLOUT_STAGES,
  paused: s.paused,
  ...(s.rolledBack !== undefined ? { rolledBack: s.rolledBack } : {}),
  rollbacks: s.rollbacks,
  stageSinceMs: s.stageSinceMs,
  window: s.window,
});

export function rolloutActor(d: RolloutDeps): ActorSpec<RolloutMsg> {
  return actor<RolloutMsg>({
    name: rolloutActorName,
    // Outcomes may be dropped under a flood (the gates then judge fewer calls); ticks and admin asks
    // are few.
    mailbox: { capacity: 4_096, overflow: 'drop-oldest' },
    create: (ctx) => {
      let state = initialRollout(ctx.clock.now(), d.startPercent());
      const persist = async (next: RolloutState): Promise<RolloutView> => {
        await d.storage.write([{ type: 'put', key: ROLLOUT_KEY, value: encodeRollout(next) }], { sync: true });
        state = next;
        const v = viewOf(state);
        d.publish(v);
        return v;
      };
      const arm = (): void => void ctx.setTimer(d.settings().gateWindowMs, { type: 'tick' });
      return {
        onStart: async () => {
          const stored = await d.storage.get(ROLLOUT_KEY);
          if (stored !== undefined) {
            try {
              // The stage counts from the restart: a stage's health is judged on calls made since.
              const s = decodeRollout(stored);
              state = { ...s, stageSinceMs: ctx.clock.now(), window: { ...s.window, startMs: ctx.clock.now(), v3Calls: 0, v3Errors: 0, shadowMismatches: 0, payloadFailures: 0 } };
              d.log(`rollout: resumed at ${rolloutPercent(state)} %${state.rolledBack !== undefined ? ` (rolled back: ${state.rolledBack.reason})` : ''}`);
            } catch (err) {
              // An unreadable record must not switch V3 on: start from 0 % and say so.
              state = rollback(initialRollout(ctx.clock.now(), 0), ctx.clock.now(), `unreadable persisted rollout: ${(err as Error).message}`);
              d.log(`rollout: ${state.rolledBack?.reason ?? ''}; starting at 0 %`);
            }
          }
          d.publish(viewOf(state));
          arm();
        },
        handlers: {
          outcome: (m) => {
            state = recordOutcome(state, m.outcome);
            d.publish(viewOf(state));
          },
          tick: async () => {
            arm();
            const settings = d.settings();
            const gates = d.ignoreGates === true ? { ...settings, maxErrorRate: 1, maxShadowMismatches: Number.MAX_SAFE_INTEGER, maxPayloadFailures: Number.MAX_SAFE_INTEGER } : settings;
            const r = tick(state, ctx.clock.now(), gates);
            if (r.event === undefined) {
              state = r.state;
              d.publish(viewOf(state));
              return;
            }
            d.sometimes(`rollout.${r.event.kind}`);
            d.log(`rollout: ${r.event.kind}: ${r.event.detail}; now ${rolloutPercent(r.state)} %`);
            await persist(r.state);
          },
          status: () => viewOf(state),
          advance: async () => {
            d.sometimes('rollout.advanced-by-operator');
            const next = advance(state, ctx.clock.now());
            d.log(`rollout: advanced by the operator: ${rolloutPercent(state)} % → ${rolloutPercent(next)} %`);
            return persist(next);
          },
          pause: async () => {
            d.log(`rollout: paused by the operator at ${rolloutPercent(state)} %`);
            return persist(pause(state));
          },
          rollback: async (m) => {
            d.sometimes('rollout.rolled-back');
            d.log(`rollout: rolled back by the operator: ${m.reason}`);
            return persist(rollback(state, ctx.clock.now(), m.reason));
          },
        },
      };
    },
  });
}
