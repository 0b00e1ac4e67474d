// Against a real Geth (built by harness/ from the pinned go.mod): the Engine API client drives 100
// blocks through build → newPayload → forkchoiceUpdated, mints a peg-in as a withdrawal and reads
// the balance Geth reports, carries a burn on the predeployed bridge contract to a RequestPegOut log
// our decoder reads, survives a Geth restart from its data directory, and is refused with a wrong JWT.
// If Geth cannot be built or started, these tests fail: they never skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import * as bitcoin from 'bitcoinjs-lib';
import { DEV_CHAIN_ID, DEV_USER_KEY, type GethProcess, startGeth } from '../../harness/geth.ts';
import { BRIDGE_ADDRESS, decodePegOutLog } from '../../src/bridge/pegout-request.ts';
import { EngineApiClient } from '../../src/io/prod/engine-client.ts';
import type { ExecutionPayload, Withdrawal } from '../../src/types/chain.ts';

let geth: GethProcess;
let el: EngineApiClient;
let head: ExecutionPayload | undefined;
/** Every payload we had Geth execute, by block number: the consensus node's own record. */
const produced: ExecutionPayload[] = [];
let headHash: Uint8Array;
const t0 = Math.floor(Date.now() / 1000);

async function buildBlock(withdrawals: Withdrawal[] = []): Promise<ExecutionPayload> {
  const parentTs = head?.timestamp ?? t0;
  const r = await el.forkchoiceUpdated(
    { headBlockHash: headHash, safeBlockHash: headHash, finalizedBlockHash: headHash },
    { timestamp: parentTs + 2, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20).fill(1), withdrawals },
  );
  expect(r.status.status).toBe('VALID');
  const payload = await el.getPayload(r.payloadId as string);
  const st = await el.newPayload(payload);
  expect(st.status).toBe('VALID');
  const fc = await el.forkchoiceUpdated({ headBlockHash: payload.blockHash, safeBlockHash: payload.blockHash, finalizedBlockHash: payload.blockHash });
  expect(fc.status.status).toBe('VALID');
  head = payload;
  headHash = payload.blockHash;
  produced[payload.blockNumber] = payload;
  return payload;
}

describe('Engine API against a real Geth', () => {
  beforeAll(async () => {
    geth = await startGeth();
    el = new EngineApiClient({ engineUrl: geth.engineUrl, rpcUrl: geth.rpcUrl, jwtSecret: geth.jwtSecret, mode: 'v2-only' });
    headHash = await el.genesisHash();
  }, 600_000);
  afterAll(async () => {
    await geth?.stop();
  });

  it('produces 100 blocks that Geth reports as its chain, with a peg-in minted as a withdrawal', async () => {
    const to = new Uint8Array(20).fill(0x42);
    for (let i = 1; i <= 100; i++) {
      const w: Withdrawal[] = i === 5 ? [{ index: 80, validatorIndex: 0, address: to, amount: 123_456 * 10 }] : [];
      const p = await buildBlock(w);
      expect(p.blockNumber).toBe(i);
    }
    expect(await el.blockNumber()).toBe(100n);
    // 123,456 satoshis = 1,234,560 gwei: Geth credits wei.
    expect(await el.balanceOf(`0x${'42'.repeat(20)}`)).toBe(1_234_560n * 1_000_000_000n);
    expect(el.health).toBe('online');
  }, 300_000);

  it('carries a burn on the bridge contract to a RequestPegOut log our decoder reads', async () => {
    const chain = defineChain({ id: DEV_CHAIN_ID, name: 'alys-dev', nativeCurrency: { name: 'BTC', symbol: 'BTC', decimals: 18 }, rpcUrls: { default: { http: [geth.rpcUrl] } } });
    const wallet = createWalletClient({ account: privateKeyToAccount(DEV_USER_KEY), chain, transport: http(geth.rpcUrl) });
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(7), network: bitcoin.networks.regtest }).address as string;
    const wei = 250_000n * 10_000_000_000n;
    await wallet.sendTransaction({ to: BRIDGE_ADDRESS, value: wei, data: `0x${Buffer.from(dest).toString('hex')}`, gas: 100_000n });
    // Geth fills a payload from its txpool after the build starts: the burn lands in one of the next blocks.
    let block = await buildBlock();
    for (let i = 0; i < 5 && block.transactions.length === 0; i++) block = await buildBlock();
    expect(block.transactions.length).toBe(1);
    const logs = await el.getLogs(block.blockHash, BRIDGE_ADDRESS);
    expect(logs).toHaveLength(1);
    const d = decodePegOutLog(logs[0]!, 'regtest', 10_000n);
    expect(d).toMatchObject({ ok: true, request: { destination: dest, amountSats: 250_000n, evmAddress: privateKeyToAccount(DEV_USER_KEY).address.toLowerCase() } });
  }, 120_000);

  it('continues from its head after Geth restarts on the same data directory', async () => {
    const before = await el.blockNumber();
    await geth.stop();
    geth = await geth.restart();
    // Geth may come back a block or two behind (its newest state not yet persisted): the consensus
    // node re-sends what it has from its own record, as it does after any execution-client restart.
    const after = await el.blockNumber();
    expect(after).toBeGreaterThan(90n);
    expect(after).toBeLessThanOrEqual(before);
    for (let n = Number(after) + 1; n <= Number(before); n++) expect((await el.newPayload(produced[n] as ExecutionPayload)).status).toBe('VALID');
    const fc = await el.forkchoiceUpdated({ headBlockHash: headHash, safeBlockHash: headHash, finalizedBlockHash: headHash });
    expect(fc.status.status).toBe('VALID');
    expect(await el.blockNumber()).toBe(before);
    await buildBlock();
    expect(await el.blockNumber()).toBe(before + 1n);
  }, 300_000);

  it('is refused, with a clear health state, when the JWT secret is wrong', async () => {
    const bad = new EngineApiClient({ engineUrl: geth.engineUrl, rpcUrl: geth.rpcUrl, jwtSecret: new Uint8Array(32).fill(9), mode: 'v2-only', retries: 0 });
    await expect(bad.forkchoiceUpdated({ headBlockHash: headHash, safeBlockHash: headHash, finalizedBlockHash: headHash })).rejects.toThrow(/JWT/);
    expect(bad.health).toBe('auth-failed');
  }, 60_000);
});
