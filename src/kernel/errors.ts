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

/**
 * An error as one log line: its message's first line, and the first line of what caused it when
 * that says more (client libraries put the useful part, "fetch failed", in the cause or the details).
 */
export function errorLine(err: unknown): string {
  const first = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
  if (!(err instanceof Error)) return first(String(err));
  const head = first(err.message);
  const details = (err as { details?: unknown }).details;
  const more = typeof details === 'string' && details !== '' ? details : err.cause instanceof Error ? err.cause.message : undefined;
  return more === undefined || first(more) === head ? head : `${head} (${first(more)})`;
}
