// Why a block is refused, and what to do about it. The policy lives in one exhaustive switch.
export const BlockErrorCode = {
  FUTURE_SLOT: 'BLOCK_ERROR_FUTURE_SLOT',
  UNKNOWN_PARENT: 'BLOCK_ERROR_UNKNOWN_PARENT',
  WRONG_HEIGHT: 'BLOCK_ERROR_WRONG_HEIGHT',
  SLOT_NOT_INCREASING: 'BLOCK_ERROR_SLOT_NOT_INCREASING',
  WRONG_PROPOSER: 'BLOCK_ERROR_WRONG_PROPOSER',
  BAD_SIGNATURE: 'BLOCK_ERROR_BAD_SIGNATURE',
  BAD_APPROVALS: 'BLOCK_ERROR_BAD_APPROVALS',
  EQUIVOCATION: 'BLOCK_ERROR_EQUIVOCATION',
  NOT_DESCENDANT_OF_FINALIZED: 'BLOCK_ERROR_NOT_DESCENDANT_OF_FINALIZED',
  TOO_MANY_WITHOUT_POW: 'BLOCK_ERROR_TOO_MANY_WITHOUT_POW',
  BAD_AUXPOW: 'BLOCK_ERROR_BAD_AUXPOW',
  EXECUTION_INVALID: 'BLOCK_ERROR_EXECUTION_INVALID',
  MALFORMED: 'BLOCK_ERROR_MALFORMED',
  /** Peg-ins that are not confirmed deposits, are minted twice, or do not match the withdrawals. */
  INVALID_PEG_IN: 'BLOCK_ERROR_INVALID_PEG_IN',
  /** The execution payload does not build on the parent block's payload. */
  PAYLOAD_PARENT_MISMATCH: 'BLOCK_ERROR_PAYLOAD_PARENT_MISMATCH',
  /** The payload's block number is not the parent payload's plus one. */
  PAYLOAD_NUMBER_MISMATCH: 'BLOCK_ERROR_PAYLOAD_NUMBER_MISMATCH',
  /** The payload's timestamp is not the start of the block's slot (in seconds). */
  PAYLOAD_TIMESTAMP_NOT_SLOT: 'BLOCK_ERROR_PAYLOAD_TIMESTAMP_NOT_SLOT',
  /** The payload's timestamp is not after the parent payload's. */
  PAYLOAD_TIMESTAMP_NOT_INCREASING: 'BLOCK_ERROR_PAYLOAD_TIMESTAMP_NOT_INCREASING',
  /** The proof of work's range is not on our chain (yet): we are behind, it cannot be judged. */
  AUXPOW_RANGE_UNKNOWN: 'BLOCK_ERROR_AUXPOW_RANGE_UNKNOWN',
  /** The block's deposits are not confirmed on our view of Bitcoin (yet), or it cannot be asked. */
  PEG_INS_UNCONFIRMED: 'BLOCK_ERROR_PEG_INS_UNCONFIRMED',
  /** The execution client did not answer (down, too slow): not the block's fault. */
  EXECUTION_UNAVAILABLE: 'BLOCK_ERROR_EXECUTION_UNAVAILABLE',
  /** The execution client is syncing and cannot judge the payload yet. */
  EXECUTION_SYNCING: 'BLOCK_ERROR_EXECUTION_SYNCING',
} as const;

export type BlockErrorCode = (typeof BlockErrorCode)[keyof typeof BlockErrorCode];

/**
 * The values that failed, for the codes whose policy or log needs them (hex strings for hashes).
 * Codes not listed carry no data beyond the detail line.
 */
export interface BlockErrorDataByCode {
  readonly BLOCK_ERROR_PAYLOAD_PARENT_MISMATCH: { readonly parentPayloadHash: string; readonly payloadParentHash: string };
  readonly BLOCK_ERROR_PAYLOAD_NUMBER_MISMATCH: { readonly expected: number; readonly actual: number };
  readonly BLOCK_ERROR_PAYLOAD_TIMESTAMP_NOT_SLOT: { readonly slot: number; readonly expected: number; readonly actual: number };
  readonly BLOCK_ERROR_PAYLOAD_TIMESTAMP_NOT_INCREASING: { readonly parentTimestamp: number; readonly timestamp: number };
  readonly BLOCK_ERROR_WRONG_HEIGHT: { readonly expected: number; readonly actual: number };
  readonly BLOCK_ERROR_SLOT_NOT_INCREASING: { readonly parentSlot: number; readonly slot: number };
  readonly BLOCK_ERROR_FUTURE_SLOT: { readonly currentSlot: number; readonly slot: number };
  readonly BLOCK_ERROR_WRONG_PROPOSER: { readonly slot: number; readonly expected: number; readonly actual: number };
  readonly BLOCK_ERROR_TOO_MANY_WITHOUT_POW: { readonly height: number; readonly finalizedHeight: number; readonly max: number };
  readonly BLOCK_ERROR_BAD_AUXPOW: { readonly rangeStart: string; readonly rangeEnd: string; readonly reason: string };
  readonly BLOCK_ERROR_AUXPOW_RANGE_UNKNOWN: { readonly rangeStart: string; readonly rangeEnd: string };
  readonly BLOCK_ERROR_INVALID_PEG_IN: { readonly pegIns: number; readonly reason: string };
  readonly BLOCK_ERROR_PEG_INS_UNCONFIRMED: { readonly pegIns: number };
  readonly BLOCK_ERROR_EXECUTION_INVALID: { readonly payloadHash: string; readonly validationError: string };
  readonly BLOCK_ERROR_EXECUTION_UNAVAILABLE: { readonly payloadHash: string };
  readonly BLOCK_ERROR_EXECUTION_SYNCING: { readonly payloadHash: string };
  readonly BLOCK_ERROR_EQUIVOCATION: { readonly proposerIndex: number; readonly slot: number };
}

export type BlockErrorData<C extends BlockErrorCode = BlockErrorCode> = C extends keyof BlockErrorDataByCode ? BlockErrorDataByCode[C] : undefined;

export class BlockError<C extends BlockErrorCode = BlockErrorCode> extends Error {
  readonly data: BlockErrorData<C> | undefined;
  constructor(
    readonly code: C,
    readonly detail: string,
    data?: BlockErrorData<C>,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'BlockError';
    this.data = data;
  }
}

export interface BlockErrorPolicy {
  /** Peer score change for the peer that sent the block (0: not its fault). */
  readonly penalty: number;
  readonly requestParent: boolean;
  /** Worth trying again later (e.g. from the future, parent unknown). */
  readonly retryLater: boolean;
}

export function policyFor(code: BlockErrorCode): BlockErrorPolicy {
  switch (code) {
    case BlockErrorCode.UNKNOWN_PARENT:
      return { penalty: 0, requestParent: true, retryLater: true };
    case BlockErrorCode.FUTURE_SLOT:
      return { penalty: -1, requestParent: false, retryLater: true };
    case BlockErrorCode.NOT_DESCENDANT_OF_FINALIZED:
    case BlockErrorCode.SLOT_NOT_INCREASING:
      return { penalty: -5, requestParent: false, retryLater: false };
    case BlockErrorCode.TOO_MANY_WITHOUT_POW:
    case BlockErrorCode.AUXPOW_RANGE_UNKNOWN:
    case BlockErrorCode.PEG_INS_UNCONFIRMED:
    case BlockErrorCode.EXECUTION_UNAVAILABLE:
    case BlockErrorCode.EXECUTION_SYNCING:
      return { penalty: 0, requestParent: false, retryLater: true };
    case BlockErrorCode.WRONG_HEIGHT:
    case BlockErrorCode.WRONG_PROPOSER:
    case BlockErrorCode.BAD_SIGNATURE:
    case BlockErrorCode.BAD_APPROVALS:
    case BlockErrorCode.BAD_AUXPOW:
    case BlockErrorCode.EXECUTION_INVALID:
    case BlockErrorCode.MALFORMED:
    case BlockErrorCode.INVALID_PEG_IN:
    case BlockErrorCode.PAYLOAD_PARENT_MISMATCH:
    case BlockErrorCode.PAYLOAD_NUMBER_MISMATCH:
    case BlockErrorCode.PAYLOAD_TIMESTAMP_NOT_SLOT:
    case BlockErrorCode.PAYLOAD_TIMESTAMP_NOT_INCREASING:
      return { penalty: -40, requestParent: false, retryLater: false };
    case BlockErrorCode.EQUIVOCATION:
      return { penalty: -100, requestParent: false, retryLater: false };
  }
}
