// Kernel errors carry a code and the data a caller acts on; policy lives in the callers' switches.

export type KernelErrorCode =
  | 'ASK_TIMEOUT'
  | 'MAILBOX_FULL'
  | 'MAILBOX_OVERFLOW_DROPPED'
  | 'ACTOR_STOPPED'
  | 'ACTOR_FAILED'
  | 'ACTOR_NOT_FOUND'
  | 'HEALTH_CHECK_FAILED'
  | 'DUPLICATE_NAME'
  | 'ESCALATED';

export class KernelError extends Error {
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    readonly actor: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

export const askTimeout = (actor: string, type: string, ms: number): KernelError =>
  new KernelError('ASK_TIMEOUT', `ask ${type} to ${actor} timed out after ${ms} ms`, actor);

export const mailboxFull = (actor: string, type: string): KernelError =>
  new KernelError('MAILBOX_FULL', `mailbox of ${actor} is full: ${type} rejected`, actor);

export const overflowDropped = (actor: string, type: string): KernelError =>
  new KernelError('MAILBOX_OVERFLOW_DROPPED', `mailbox of ${actor} overflowed: oldest ${type} dropped`, actor);

export const actorStopped = (actor: string, type: string): KernelError =>
  new KernelError('ACTOR_STOPPED', `${actor} stopped before handling ${type}`, actor);

export const actorFailed = (actor: string, type: string, cause: unknown): KernelError =>
  new KernelError('ACTOR_FAILED', `${actor} failed while handling ${type}: ${describe(cause)}`, actor, cause);

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
