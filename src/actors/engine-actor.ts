// EngineActor: drives the execution client. Build = forkchoiceUpdated with attributes, then
// getPayload; execute = newPayload; commit = forkchoiceUpdated to the new head. The execution client
// must see blocks in order, so this actor handles one request at a time.
import type { Clock } from '../io/clock.ts';
import type { ExecutionClient, PayloadStatus } from '../io/execution.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import type { ExecutionPayload, Withdrawal } from '../types/chain.ts';

/** The execution client could not be reached (down, timed out, refused): not the block's fault. */
export type EngineStatus = PayloadStatus | { readonly status: 'UNAVAILABLE'; readonly error: string };

export type EngineMsg =
  | Ask<
      {
        readonly type: 'build';
        readonly parentPayloadHash: Uint8Array;
        readonly finalizedPayloadHash: Uint8Array;
        readonly timestampSec: number;
        readonly feeRecipient: Uint8Array;
        readonly withdrawals: readonly Withdrawal[];
      },
      ExecutionPayload | undefined
    >
  | Ask<{ readonly type: 'execute'; readonly payload: ExecutionPayload }, EngineStatus>
  | Ask<{ readonly type: 'commit'; readonly headPayloadHash: Uint8Array; readonly finalizedPayloadHash: Uint8Array }, EngineStatus>
  /** The client's own head (see ExecutionClient.headBlock); undefined when it cannot be read. */
  | Ask<{ readonly type: 'client-head' }, { readonly number: number; readonly hash: Uint8Array } | undefined>;

const unavailable = (err: unknown): EngineStatus => ({ status: 'UNAVAILABLE', error: err instanceof Error ? err.message : String(err) });

export const engineActorName = 'engine';

/**
 * `buildWait`: time between asking the execution client to build and fetching the payload. Geth
 * starts from an empty block and fills it from its txpool, so fetching at once leaves transactions
 * out; production waits a little (the simulated client builds at once and needs none).
 */
export function engineActor(el: ExecutionClient, buildWait?: { readonly ms: number; readonly clock: Clock }): ActorSpec<EngineMsg> {
  return actor<EngineMsg>({
    name: engineActorName,
    mailbox: { capacity: 1_024, overflow: 'reject' },
    create: () => ({
      handlers: {
        // An unreachable execution client is an answer, not a crash of this actor: the chain
        // skips the slot or the import and tries again later.
        build: async (m) => {
          try {
            const r = await el.forkchoiceUpdated(
              { headBlockHash: m.parentPayloadHash, safeBlockHash: m.finalizedPayloadHash, finalizedBlockHash: m.finalizedPayloadHash },
              { timestamp: m.timestampSec, prevRandao: new Uint8Array(32), suggestedFeeRecipient: m.feeRecipient, withdrawals: m.withdrawals },
            );
            if (r.payloadId === undefined) return undefined;
            if (buildWait !== undefined && buildWait.ms > 0) await new Promise<void>((resolve) => buildWait.clock.setTimer(buildWait.ms, resolve));
            return await el.getPayload(r.payloadId);
          } catch {
            return undefined;
          }
        },
        execute: (m) => el.newPayload(m.payload).catch(unavailable),
        commit: async (m) => {
          try {
            const r = await el.forkchoiceUpdated({ headBlockHash: m.headPayloadHash, safeBlockHash: m.finalizedPayloadHash, finalizedBlockHash: m.finalizedPayloadHash });
            return r.status;
          } catch (err) {
            return unavailable(err);
          }
        },
        'client-head': async () => {
          try {
            return await el.headBlock();
          } catch {
            return undefined;
          }
        },
      },
    }),
  });
}
