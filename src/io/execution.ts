// The execution client as a node sees it: the Engine API's three calls. Production speaks it to
// Geth or Reth over HTTP with JWT; the simulation answers from an in-memory model.
import type { ExecutionPayload, Withdrawal } from '../types/chain.ts';

export interface ForkchoiceState {
  readonly headBlockHash: Uint8Array;
  readonly safeBlockHash: Uint8Array;
  readonly finalizedBlockHash: Uint8Array;
}

export interface PayloadAttributes {
  /** Seconds, as the Engine API has it. */
  readonly timestamp: number;
  readonly prevRandao: Uint8Array;
  readonly suggestedFeeRecipient: Uint8Array;
  readonly withdrawals: readonly Withdrawal[];
}

export type PayloadStatus =
  | { readonly status: 'VALID'; readonly latestValidHash: Uint8Array }
  | { readonly status: 'INVALID'; readonly validationError: string }
  | { readonly status: 'SYNCING' | 'ACCEPTED' };

/** An EVM log as eth_getLogs returns it (hex strings, 0x-prefixed). */
export interface EvmLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly transactionHash: string;
  readonly logIndex: number;
}

/**
 * Per call: which Engine API method version to use. Absent, the client's own migration mode decides;
 * the staged V3 rollout sets it per block height. A client whose fork does not allow V3 uses V2.
 */
export interface EngineCallOptions {
  readonly version?: 2 | 3;
}

export interface ExecutionClient {
  forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes, options?: EngineCallOptions): Promise<{ status: PayloadStatus; payloadId?: string }>;
  getPayload(payloadId: string): Promise<ExecutionPayload>;
  newPayload(payload: ExecutionPayload, options?: EngineCallOptions): Promise<PayloadStatus>;
  /** Logs `address` emitted in one execution block (plain JSON-RPC, not the Engine API). */
  getLogs(blockHash: Uint8Array, address: string): Promise<readonly EvmLog[]>;
  /**
   * The client's own head (plain JSON-RPC, the latest block). After a crash it is the only way to
   * learn where the client fell back to: the Engine API answers VALID for blocks it holds without
   * their state, and ignores a head it holds until it is told its own head again.
   */
  headBlock(): Promise<{ readonly number: number; readonly hash: Uint8Array }>;
}
