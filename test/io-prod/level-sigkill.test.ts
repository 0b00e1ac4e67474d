// Crash durability of LevelStorage against a real process kill. A child imports blocks, one atomic
// synced batch { block/<h>, head: h } per height, and prints `committed <h>` after each write
// resolved. We SIGKILL it at a random moment, reopen the database, and require: every printed
// height is there with its exact bytes, head >= the last printed height, and no batch is torn
// (blocks are exactly 0..head, so no block landed without its head and no head without its
// block). Five kill/restart rounds, each child continuing from the recovered head.
// What this does not prove: a SIGKILL leaves the OS page cache intact, so it tests LevelDB's log
// recovery and batch atomicity, not fsync against power loss (that needs a fault-injecting file
// system such as dm-log-writes or LazyFS).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelStorage } from '../../src/io/prod/level-storage.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { BLOCK_PREFIX, HEAD_KEY, blockBytes, blockKey, decodeHead, sameBytes } from './fixtures/blocks.ts';
import { Importer } from './fixtures/importer-process.ts';

const ROUNDS = 5;
const seed = Number(process.env.LEVEL_SIGKILL_SEED ?? Date.now() % 1_000_000);
const rng = new SeededRng(seed);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Reopens the database in this process and checks it against the last height a child printed. */
async function recoveredHead(dir: string, lastPrinted: number, where: string): Promise<number> {
  const db = await LevelStorage.open(dir);
  try {
    const raw = await db.get(HEAD_KEY);
    const head = raw === undefined ? -1 : decodeHead(raw);
    expect(head, `${where}: head below the last printed commit`).toBeGreaterThanOrEqual(lastPrinted);
    const rows = await db.scan(BLOCK_PREFIX);
    const keys = rows.map(([k]) => k);
    // Exactly blocks 0..head: a block above head, or a head without its block, is a torn batch.
    expect(keys, `${where}: blocks are not exactly 0..${head}`).toEqual(Array.from({ length: head + 1 }, (_, h) => blockKey(h)));
    const bad = rows.findIndex(([, v], h) => !sameBytes(v, blockBytes(h)));
    expect(bad, `${where}: block ${bad} does not hold its exact bytes`).toBe(-1);
    return head;
  } finally {
    await db.close();
  }
}

describe(`LevelStorage survives SIGKILL (seed ${seed}; LEVEL_SIGKILL_SEED reproduces the kill targets)`, () => {
  it('fails loudly when the importer cannot start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alys-sigkill-'));
    dirs.push(dir);
    await expect(Importer.start(dir, { script: join(dir, 'missing-script.ts') })).rejects.toThrow(/level importer did not start \(exit 1.*missing-script/s);
  });

  it(`keeps every printed commit whole across ${ROUNDS} kill/restart rounds`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alys-sigkill-'));
    dirs.push(dir);
    let head = -1;
    let lastPrinted = -1;
    const log: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const where = `seed ${seed} round ${round}`;
      const started = Date.now();
      const { importer, head: childHead } = await Importer.start(dir);
      expect(childHead, `${where}: the child reads another head than the checker`).toBe(head);
      // Kill after a random number of commits plus a random slice of a write, so the kill lands
      // anywhere in the next batch: before, inside or after its fsync.
      const target = 200 + rng.int(400);
      const reached = await importer.until(() => importer.committed.length >= target, 120_000);
      if (!reached) {
        const r = await importer.kill();
        throw new Error(`${where}: child stopped or stalled after ${r.committed.length} commits (exit ${String(r.exitCode)}): ${r.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, rng.int(4)));
      const r = await importer.kill();
      expect(r.signal, `${where}: the child was not killed by us: ${r.stderr}`).toBe('SIGKILL');
      expect(r.stderr, `${where}: child stderr`).toBe('');
      expect(r.committed, `${where}: printed heights are not consecutive from ${head + 1}`).toEqual(Array.from({ length: r.committed.length }, (_, i) => head + 1 + i));
      lastPrinted = r.committed[r.committed.length - 1] ?? lastPrinted;
      head = await recoveredHead(dir, lastPrinted, where);
      log.push(`round ${round}: ${r.committed.length} commits printed, last ${lastPrinted}, recovered head ${head} (+${head - lastPrinted}), ${Date.now() - started} ms`);
    }
    console.log(`SIGKILL seed ${seed}\n${log.join('\n')}`);
    expect(head).toBeGreaterThanOrEqual(ROUNDS * 200 - 1);
  });
});
