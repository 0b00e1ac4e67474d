// The real sync benchmark's chain (bench/sync-real-chain.ts) on a real Geth: blocks carrying signed
// transfers and contract calls are built, kept in --chain-dir, reused by a run asking for the same
// chain (same head, same payloads, nothing rebuilt), refused for another shape, and rebuilt after a
// build cut short. A fresh Geth imports the reused payloads. Fails, never skips, when Geth cannot start.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchChain, benchChain } from '../../bench/sync-real-chain.ts';
import { startGeth } from '../../harness/geth.ts';
import { measureGethImport } from '../../harness/prebuilt-chain.ts';
import { tempDir } from '../../harness/temp-dirs.ts';

const shape = { blocks: 6, txsPerBlock: 4, callsPerBlock: 2, slotDurationMs: 1_000, seedHex: '33'.repeat(32) };
const dir = join(tempDir('alys-bench-chain-'), 'chain');
const lines: string[] = [];
const log = (l: string) => lines.push(l);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the real sync benchmark chain', () => {
  let built: BenchChain;

  it('is built with the transactions asked for and kept in --chain-dir', async () => {
    built = await benchChain(shape, dir, log);
    expect(built.reused).toBe(false);
    expect(built.blocks).toBe(6);
    // The contract's deployment rides in the first block, beside its own transactions.
    expect(built.transactions).toBe(6 * 6 + 1);
    expect(built.payloads.map((p) => p.transactions.length)).toEqual([7, 6, 6, 6, 6, 6]);
    expect(existsSync(join(dir, 'chain.json'))).toBe(true);
  }, 120_000);

  it('is reused by a run asking for the same chain, payloads and all, and imports on a fresh Geth', async () => {
    const again = await benchChain(shape, dir, log);
    expect(again.reused).toBe(true);
    expect(again.headHash).toBe(built.headHash);
    expect(again.genesisTimeMs).toBe(built.genesisTimeMs);
    expect(again.encodedBytes).toBe(built.encodedBytes);
    expect(again.payloads.map((p) => p.blockHash)).toEqual(built.payloads.map((p) => p.blockHash));
    expect(lines.some((l) => l.startsWith(`reusing the chain in ${dir}`))).toBe(true);
    const geth = await startGeth();
    try {
      const r = await measureGethImport(geth, again.payloads, 4);
      expect(r.blocks).toBe(6);
    } finally {
      await geth.stop();
    }
  }, 120_000);

  it('is refused for another shape, and for a manifest that is not one', async () => {
    await expect(benchChain({ ...shape, txsPerBlock: 5 }, dir, log)).rejects.toThrow(`--chain-dir ${dir} holds 6 blocks of 4 transfers and 2 contract calls (slot 1000 ms), not the 6 blocks of 5 transfers and 2 contract calls asked for`);
    const other = join(tempDir('alys-bench-chain-'), 'bad');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'chain.json'), '{"version":1,"blocks":"six"}');
    await expect(benchChain(shape, other, log)).rejects.toThrow(/^--chain-dir .*: chain\.json is not a chain manifest \(/);
  });

  it('is built again when a build was cut short (data without a manifest)', async () => {
    rmSync(join(dir, 'chain.json'));
    const rebuilt = await benchChain(shape, dir, log);
    expect(rebuilt.reused).toBe(false);
    expect(rebuilt.blocks).toBe(6);
    expect(lines.some((l) => l.includes('holds a build cut short'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'chain.json'), 'utf8'))).toMatchObject({ blocks: 6, txsPerBlock: 4 });
  }, 120_000);
});
