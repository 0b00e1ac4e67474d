// Bad input on the command line is the user's mistake, not ours: one clear line and exit status 2,
// never a stack trace.
import { parseArgs } from 'node:util';
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseSeed(text: string, flag = '--seed'): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a non-negative integer, got '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} is too large: ${text}`);
  return n;
}

export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return Number(text);
}

/** "10m", "90s", "1h", "500ms" or a bare number of milliseconds. */
export function parseDuration(text: string, flag = '--duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`${flag} must look like 500ms, 90s, 10m or 1h, got '${text}'`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) throw new UsageError(`${flag} must be positive`);
  return ms;
}

type Options = Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? NonNullable<O> : never) : never;

/**
 * Strict option parsing: an unknown or malformed option is a UsageError naming it, with the usage line.
 * `operands`: the command also takes plain arguments (`alys replay <dir>`); otherwise one is refused.
 */
export function parseStrict<const O extends Options>(argv: string[], options: O, usage: string, o: { readonly operands?: boolean } = {}) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: o.operands === true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nusage: ${usage}`);
  }
}
