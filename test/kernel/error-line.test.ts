// Log lines name an error in one line, with the part that says what went wrong.
import { describe, expect, it } from 'vitest';
import { errorLine } from '../../src/kernel/errors.ts';

describe('errorLine', () => {
  it("keeps a client library's first line and adds its details (viem's shape)", () => {
    const viem = Object.assign(new Error('HTTP request failed.\n\nURL: http://127.0.0.1:8545\nRequest body: {"method":"eth_getLogs"}\n\nDetails: fetch failed\nVersion: viem@2'), { details: 'fetch failed' });
    expect(errorLine(viem)).toBe('HTTP request failed. (fetch failed)');
  });

  it('adds the first line of the cause, and nothing when it repeats the message', () => {
    expect(errorLine(new Error('ask read to chain failed', { cause: new Error('storage: disk full\nat write') }))).toBe('ask read to chain failed (storage: disk full)');
    expect(errorLine(new Error('timed out', { cause: new Error('timed out') }))).toBe('timed out');
  });

  it('takes the first non-empty line of a string or anything else', () => {
    expect(errorLine('\nKernelError: ask bundle to chain timed out\n  at x')).toBe('KernelError: ask bundle to chain timed out');
    expect(errorLine(42)).toBe('42');
  });
});
