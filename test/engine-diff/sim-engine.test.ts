// The Engine API table (cases.ts) against the simulated execution client: every step must give the
// status real Geth gives (test/real/engine-diff.test.ts runs the same table against Geth).
import { describe, expect, it } from 'vitest';
import { genesisPayload } from '../../src/chain/genesis.ts';
import type { ExecutionClient } from '../../src/io/execution.ts';
import { SimExecution, payloadHash } from '../../src/io/sim/execution.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { type EngineDriver, engineCases, expectedResults, runCase } from './cases.ts';

/** The simulated client, each call run to completion on its own scheduler. */
function simDriver(forget = 0): EngineDriver {
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
    headBlock: () => step(el.headBlock()),
  };
  // A killed Geth this young has written out none of its blocks' state: all of it is lost.
  const crash = async (): Promise<ExecutionClient> => {
    el.crash(Number.MAX_SAFE_INTEGER, forget);
    return client;
  };
  return { client, genesis: genesisPayload(), reseal: payloadHash, crash };
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

  it('after a crash, holds its newest blocks without their state and ignores its old head until told its own', async () => {
    const d = simDriver();
    const fcu = (head: Uint8Array, fin = new Uint8Array(32)) => d.client.forkchoiceUpdated({ headBlockHash: head, safeBlockHash: fin, finalizedBlockHash: fin });
    const chain = [d.genesis];
    for (let i = 0; i < 4; i++) {
      const parent = chain[chain.length - 1] as (typeof chain)[number];
      const r = await d.client.forkchoiceUpdated(
        { headBlockHash: parent.blockHash, safeBlockHash: d.genesis.blockHash, finalizedBlockHash: (chain[Math.max(0, chain.length - 3)] as (typeof chain)[number]).blockHash },
        { timestamp: parent.timestamp + 2, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20), withdrawals: [{ index: i, validatorIndex: 0, address: new Uint8Array(20).fill(9), amount: 5 }] },
      );
      const p = await d.client.getPayload(r.payloadId as string);
      // The last is built but never handed over.
      if (i < 3) expect((await d.client.newPayload(p)).status).toBe('VALID');
      chain.push(p);
    }
    // Head 3, finalized 1 (the last build named block 1 final): a kill may lose the state of 2 and 3.
    expect((await fcu((chain[3] as (typeof chain)[number]).blockHash)).status.status).toBe('VALID');
    await d.crash();
    const own = await d.client.headBlock();
    expect(own.number).toBe(1);
    const [, , b2, b3, b4] = chain as [unknown, unknown, (typeof chain)[number], (typeof chain)[number], (typeof chain)[number]];
    expect((await d.client.newPayload(b3)).status).toBe('VALID'); // held: VALID without executing
    expect((await d.client.newPayload(b4)).status).toBe('ACCEPTED'); // its parent has no state
    expect((await fcu(b3.blockHash)).status.status).toBe('VALID'); // ignored: not synced
    expect((await d.client.headBlock()).number).toBe(1);
    await fcu(own.hash);
    expect((await fcu(b3.blockHash)).status.status).toBe('VALID'); // now taken, 2 and 3 re-executed
    expect((await d.client.headBlock()).number).toBe(3);
    expect((await d.client.newPayload(b4)).status).toBe('VALID');
    void b2;
  });

  it('after a crash that lost its newest blocks (Geth on the hash scheme), does not know them and takes them again', async () => {
    const d = simDriver(2);
    const fin = (p: { blockHash: Uint8Array }) => ({ headBlockHash: p.blockHash, safeBlockHash: d.genesis.blockHash, finalizedBlockHash: d.genesis.blockHash });
    const chain = [d.genesis];
    for (let i = 0; i < 4; i++) {
      const parent = chain[chain.length - 1] as (typeof chain)[number];
      const r = await d.client.forkchoiceUpdated(fin(parent), { timestamp: parent.timestamp + 2, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20), withdrawals: [{ index: i, validatorIndex: 0, address: new Uint8Array(20).fill(9), amount: 5 }] });
      const p = await d.client.getPayload(r.payloadId as string);
      expect((await d.client.newPayload(p)).status).toBe('VALID');
      chain.push(p);
    }
    await d.client.forkchoiceUpdated(fin(chain[4] as (typeof chain)[number]));
    await d.crash();
    const [, , b2, b3, b4] = chain as [unknown, unknown, (typeof chain)[number], (typeof chain)[number], (typeof chain)[number]];
    // 3 and 4 are gone; 1 and 2 are held without their state (all of it lost this young).
    expect((await d.client.headBlock()).number).toBe(0);
    expect((await d.client.newPayload(b4)).status).toBe('SYNCING'); // its parent is gone
    expect((await d.client.newPayload(b3)).status).toBe('ACCEPTED'); // its parent has no state
    await d.client.forkchoiceUpdated(fin(d.genesis));
    expect((await d.client.forkchoiceUpdated(fin(b2))).status.status).toBe('VALID'); // 1 and 2 re-executed
    expect((await d.client.newPayload(b3)).status).toBe('VALID');
    expect((await d.client.newPayload(b4)).status).toBe('VALID');
    expect((await d.client.forkchoiceUpdated(fin(b4))).status.status).toBe('VALID');
    expect((await d.client.headBlock()).number).toBe(4);
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
