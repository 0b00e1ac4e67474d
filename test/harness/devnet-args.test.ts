// `alys devnet` refuses flags that belong to the other mode in one line, before starting anything.
import { describe, expect, it } from 'vitest';
import { devnet } from '../../src/cli/devnet.ts';
import { UsageError } from '../../src/cli/errors.ts';

describe('alys devnet flags', () => {
  it('--keep-records is for --nemesis, and --record is not', async () => {
    const lines: string[] = [];
    const keep = await devnet(['--keep-records'], (l) => lines.push(l)).catch((e: unknown) => e);
    expect(keep).toBeInstanceOf(UsageError);
    expect((keep as Error).message).toBe('--keep-records is for --nemesis (a devnet with --record keeps its recordings anyway)');
    const record = await devnet(['--nemesis', '--record', '/tmp/x'], (l) => lines.push(l)).catch((e: unknown) => e);
    expect(record).toBeInstanceOf(UsageError);
    expect((record as Error).message).toMatch(/^--record is for a devnet without --nemesis/);
    expect(lines).toEqual([]);
  });
});
