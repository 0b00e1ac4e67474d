// The Engine API table (test/engine-diff/cases.ts) against a real Geth, one fresh Geth per case:
// every step must give the status the table names, which the simulated execution client gives too
// (test/engine-diff/sim-engine.test.ts). If Geth cannot be built or started, this fails.
import { afterEach, describe, expect, it } from 'vitest';
import { keccak256, toRlp } from 'viem';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { EngineApiClient } from '../../src/io/prod/engine-client.ts';
import type { ExecutionPayload } from '../../src/types/chain.ts';
import { fromHex } from '../../src/types/hex.ts';
import { engineCases, expectedResults, runCase } from '../engine-diff/cases.ts';

/** keccak256(rlp([])): the uncle hash of every post-merge block. */
const EMPTY_UNCLES = fromHex('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347');
/** The root of an empty trie: transactions and withdrawals of an empty block. */
const EMPTY_TRIE = fromHex('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');

/** A quantity as RLP wants it: big-endian, no leading zero bytes (zero is the empty string). */
function quantity(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Uint8Array.from(out);
}

/** Geth's block hash of a Shanghai payload (no transactions, no withdrawals: the table's blocks). */
function gethBlockHash(p: Omit<ExecutionPayload, 'blockHash'>): Uint8Array {
  if (p.transactions.length > 0 || p.withdrawals.length > 0) throw new Error('the table reseals empty blocks only');
  const header = [
    p.parentHash,
    EMPTY_UNCLES,
    p.feeRecipient,
    p.stateRoot,
    EMPTY_TRIE,
    p.receiptsRoot,
    p.logsBloom,
    quantity(0),
    quantity(p.blockNumber),
    quantity(p.gasLimit),
    quantity(p.gasUsed),
    quantity(p.timestamp),
    p.extraData,
    p.prevRandao,
    new Uint8Array(8),
    quantity(p.baseFeePerGas),
    EMPTY_TRIE,
  ];
  return fromHex(keccak256(toRlp(header)));
}

let geth: GethProcess | undefined;

describe('a real Geth answers the Engine API table as the simulated client does', () => {
  afterEach(async () => {
    await geth?.stop();
    geth = undefined;
  });

  for (const c of engineCases) {
    it(c.name, async () => {
      geth = await startGeth();
      const connect = (g: GethProcess): EngineApiClient => new EngineApiClient({ engineUrl: g.engineUrl, rpcUrl: g.rpcUrl, jwtSecret: g.jwtSecret, mode: 'v2-only' });
      const client = connect(geth);
      const crash = async (): Promise<EngineApiClient> => {
        const g = geth as GethProcess;
        await g.kill9();
        geth = await g.restart();
        return connect(geth);
      };
      const genesis = await client.genesisPayload();
      // The resealing is Geth's own hash: checked on its genesis before it is trusted.
      const { blockHash, ...body } = genesis;
      expect(gethBlockHash(body)).toEqual(blockHash);
      expect(await runCase(c, { client, genesis, reseal: gethBlockHash, crash })).toEqual(expectedResults(c));
    }, 120_000);
  }
});
