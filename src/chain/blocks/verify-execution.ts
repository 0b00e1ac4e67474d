// The execution step of the block pipeline: the payload goes to the execution client (newPayload
// through the EngineActor). INVALID is the block's fault; no answer or SYNCING is not, and the
// block comes back later (a parent request, the next gossip copy, sync's retry).
import { BlockError, BlockErrorCode } from '../../consensus/block-error.ts';
import type { PayloadStatus } from '../../io/execution.ts';
import type { ExecutionPayload } from '../../types/chain.ts';
import { toHex } from '../../types/hex.ts';

/** What the EngineActor answers: the client's status, or that it could not be reached. */
export type ExecutionStatus = PayloadStatus | { readonly status: 'UNAVAILABLE'; readonly error: string };

/** newPayload on the execution client; undefined when the call did not come back in time. */
export type ExecutePayload = (payload: ExecutionPayload) => Promise<ExecutionStatus | undefined>;

export async function verifyExecution(execute: ExecutePayload, payload: ExecutionPayload): Promise<void> {
  const status = await execute(payload);
  const payloadHash = toHex(payload.blockHash);
  if (status === undefined || status.status === 'UNAVAILABLE') {
    throw new BlockError(BlockErrorCode.EXECUTION_UNAVAILABLE, status === undefined ? 'no answer from the execution client' : status.error, { payloadHash });
  }
  if (status.status === 'INVALID') {
    throw new BlockError(BlockErrorCode.EXECUTION_INVALID, status.validationError, { payloadHash, validationError: status.validationError });
  }
  if (status.status === 'SYNCING') throw new BlockError(BlockErrorCode.EXECUTION_SYNCING, 'the execution client is syncing', { payloadHash });
}
