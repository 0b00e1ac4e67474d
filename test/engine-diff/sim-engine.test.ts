// The Engine API table (cases.ts) against the simulated execution client: every step must give the
// status real Geth gives (test/real/engine-diff.test.ts runs the same table against Geth).
import { describe, expect, it } from 'vitest';
import { genesisPayload } from '../../src/chain/genesis.ts';
import type { ExecutionClient } from '../../src/io/execution.ts';
import { SimExecution, payloadHash } from '../../src/io/sim/execution.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { type EngineDriver, engineCases, expectedResults, runCase } from './cases.ts';

/** The simulated client, each call run to completion on its own scheduler. */
function simDriver(): EngineDriver {
  const scheduler = new Scheduler();
  const el = new SimExecution({ scheduler, owner: { alive: true }, latencyMs: 1, txsPerBlock: 0 }, genesisPayload());
  const step = async <T>(p: Promise<T>): Promise<T> => {
    await scheduler.runToQuiescence();
    return p;
  };
  const client: ExecutionClient = {
    forkchoiceUpdated: (s, a) => step(el.forkchoiceUpdated(s, a)),
    getPayload: (id) => step(el.getPayload(id)),
    newPayload: (p) => step(el.newPayload(p)),
    getLogs: (h, a) => step(el.getLogs(h, a)),
  };
  return { client, genesis: genesisPayload(), reseal: payloadHash };
}

describe('the simulated execution client answers the Engine API as Geth does', () => {
  for (const c of engineCases) {
    it(c.name, async () => {
      expect(await runCase(c, simDriver())).toEqual(expectedResults(c));
    });
  }

  it('refuses a payload whose base fee, gas limit or gas used execution does not reproduce', async () => {
    const d = simDriver();
    const r = await d.client.forkchoiceUpdated(
      { headBlockHash: d.genesis.blockHash, safeBlockHash: d.genesis.blockHash, finalizedBlockHash: d.genesis.blockHash },
      { timestamp: 2, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20), withdrawals: [] },
    );
    const { blockHash, ...body } = await d.client.getPayload(r.payloadId as string);
    void blockHash;
    for (const change of [{ baseFeePerGas: body.baseFeePerGas + 1n }, { gasLimit: body.gasLimit * 2 }, { gasUsed: 21_000 }, { receiptsRoot: new Uint8Array(32).fill(3) }]) {
      const bad = { ...body, ...change };
      const st = await d.client.newPayload({ ...bad, blockHash: payloadHash(bad) });
      expect(st.status, JSON.stringify(Object.keys(change))).toBe('INVALID');
    }
  });

  it('refuses to build on the head with a timestamp that is not after it', async () => {
    const d = simDriver();
    await expect(
      d.client.forkchoiceUpdated(
        { headBlockHash: d.genesis.blockHash, safeBlockHash: d.genesis.blockHash, finalizedBlockHash: d.genesis.blockHash },
        { timestamp: d.genesis.timestamp, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20), withdrawals: [] },
      ),
    ).rejects.toThrow(/invalid payload attributes/);
  });
});
