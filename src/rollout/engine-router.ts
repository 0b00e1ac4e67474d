// The execution client as the node calls it while a staged V3 rollout runs: each call's method
// version is chosen by the block height it concerns (rollout-state's usesV3), a failed V3 call is
// recorded for the health gates and retried on V2 at once, so a V3 failure costs no block (and a V2
// call an execution client past the fork refuses is retried on V3). Outside
// the rollout mode every call passes through untouched and the client's own migration mode decides.
import type { EngineCallOptions, EvmLog, ExecutionClient, ForkchoiceState, PayloadAttributes, PayloadStatus } from '../io/execution.ts';
import type { EngineMode } from '../node/features.ts';
import type { ExecutionPayload } from '../types/chain.ts';
import { toHex } from '../types/hex.ts';
import { type RolloutOutcome, usesV3 } from './rollout-state.ts';

export interface EngineRouterDeps {
  readonly inner: ExecutionClient;
  readonly mode: () => EngineMode;
  /** The rollout's current share of V3, in percent. */
  readonly percent: () => number;
  readonly record: (outcome: RolloutOutcome) => void;
  /** The execution genesis, so the first build can be placed by height. */
  readonly genesis: ExecutionPayload;
}

/** Heights of execution blocks seen lately, so a forkchoiceUpdated can be placed by height. */
const HEIGHTS_KEPT = 4_096;

export class EngineRouter implements ExecutionClient {
  private readonly heights = new Map<string, number>();

  constructor(private readonly d: EngineRouterDeps) {
    this.remember(d.genesis);
  }

  private remember(p: ExecutionPayload): void {
    const k = toHex(p.blockHash);
    if (this.heights.has(k)) return;
    this.heights.set(k, p.blockNumber);
    if (this.heights.size > HEIGHTS_KEPT) {
      const oldest = this.heights.keys().next().value;
      if (oldest !== undefined) this.heights.delete(oldest);
    }
  }

  /** V3 for this height? undefined: not in the rollout mode, the inner client decides. */
  private route(height: number | undefined): EngineCallOptions | undefined {
    if (this.d.mode() !== 'rollout') return undefined;
    return { version: height !== undefined && usesV3(height, this.d.percent()) ? 3 : 2 };
  }

  private async routed<T>(options: EngineCallOptions | undefined, call: (o: EngineCallOptions | undefined) => Promise<T>, failed?: (r: T) => boolean): Promise<T> {
    if (options === undefined) return call(options);
    if (options.version === 2) {
      // A client already past the fork refuses V2 for the fork's payloads: such a call goes through
      // V3, and is no mark against V3's health.
      try {
        return await call(options);
      } catch {
        return call({ version: 3 });
      }
    }
    let result: T;
    try {
      result = await call(options);
    } catch {
      this.d.record('v3-error');
      return call({ version: 2 });
    }
    this.d.record(failed?.(result) === true ? 'payload-failure' : 'v3-ok');
    return result;
  }

  forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes, options?: EngineCallOptions): Promise<{ status: PayloadStatus; payloadId?: string }> {
    const head = this.heights.get(toHex(state.headBlockHash));
    const height = head === undefined ? undefined : attributes === undefined ? head : head + 1;
    // A build that answers VALID without a payload id built nothing: a payload failure for the gates.
    return this.routed(options ?? this.route(height), (o) => this.d.inner.forkchoiceUpdated(state, attributes, o), (r) => attributes !== undefined && r.status.status === 'VALID' && r.payloadId === undefined);
  }

  async getPayload(payloadId: string): Promise<ExecutionPayload> {
    const p = await this.d.inner.getPayload(payloadId);
    this.remember(p);
    return p;
  }

  newPayload(payload: ExecutionPayload, options?: EngineCallOptions): Promise<PayloadStatus> {
    this.remember(payload);
    return this.routed(options ?? this.route(payload.blockNumber), (o) => this.d.inner.newPayload(payload, o));
  }

  getLogs(blockHash: Uint8Array, address: string): Promise<readonly EvmLog[]> {
    return this.d.inner.getLogs(blockHash, address);
  }

  headBlock(): Promise<{ readonly number: number; readonly hash: Uint8Array }> {
    return this.d.inner.headBlock();
  }
}
