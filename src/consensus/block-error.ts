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
} as const;

export type BlockErrorCode = (typeof BlockErrorCode)[keyof typeof BlockErrorCode];

export class BlockError extends Error {
  constructor(
    readonly code: BlockErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'BlockError';
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
      return { penalty: 0, requestParent: false, retryLater: true };
    case BlockErrorCode.WRONG_HEIGHT:
    case BlockErrorCode.WRONG_PROPOSER:
    case BlockErrorCode.BAD_SIGNATURE:
    case BlockErrorCode.BAD_APPROVALS:
    case BlockErrorCode.BAD_AUXPOW:
    case BlockErrorCode.EXECUTION_INVALID:
    case BlockErrorCode.MALFORMED:
    case BlockErrorCode.INVALID_PEG_IN:
      return { penalty: -40, requestParent: false, retryLater: false };
    case BlockErrorCode.EQUIVOCATION:
      return { penalty: -100, requestParent: false, retryLater: false };
  }
}
