// Against a real Geth (built by harness/ from the pinned go.mod): the Engine API client drives 100
// blocks through build → newPayload → forkchoiceUpdated, mints a peg-in as a withdrawal and reads
// the balance Geth reports, carries a burn made as a wallet makes it (viem writeContract with the
// bridge contract's ABI) to a RequestPegOut log our decoder reads, sees the contract revert burns it
// cannot pay (below the minimum, not whole satoshis, another network's address) without taking
// their value, survives a Geth restart from its data directory, and is refused with a wrong JWT.
// If Geth cannot be built or started, these tests fail: they never skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import * as bitcoin from 'bitcoinjs-lib';
import { DEV_CHAIN_ID, DEV_USER_KEY, type GethProcess, startGeth } from '../../harness/geth.ts';
import { BRIDGE_ADDRESS, DEFAULT_MIN_PEGOUT_SATS, decodePegOutLog } from '../../src/bridge/pegout-request.ts';
import { requestPegOut } from '../../harness/bridge-contract.ts';
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

  const clients = () => {
    const chain = defineChain({ id: DEV_CHAIN_ID, name: 'alys-dev', nativeCurrency: { name: 'BTC', symbol: 'BTC', decimals: 18 }, rpcUrls: { default: { http: [geth.rpcUrl] } } });
    return {
      wallet: createWalletClient({ account: privateKeyToAccount(DEV_USER_KEY), chain, transport: http(geth.rpcUrl) }),
      reader: createPublicClient({ chain, transport: http(geth.rpcUrl) }),
    };
  };
  /** Builds blocks until one carries a transaction (Geth fills a payload from its txpool after the build starts). */
  const blockWithTx = async (): Promise<ExecutionPayload> => {
    let block = await buildBlock();
    for (let i = 0; i < 5 && block.transactions.length === 0; i++) block = await buildBlock();
    return block;
  };
  const revertName = (err: unknown): string | undefined => {
    const r = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    return r instanceof ContractFunctionRevertedError ? r.data?.errorName : undefined;
  };

  it('carries a wallet-style burn (writeContract with the ABI) to a RequestPegOut log our decoder reads', async () => {
    const { wallet } = clients();
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(7), network: bitcoin.networks.regtest }).address as string;
    const wei = 1_250_000n * 10_000_000_000n;
    await requestPegOut(wallet, dest, wei);
    const block = await blockWithTx();
    expect(block.transactions.length).toBe(1);
    const logs = await el.getLogs(block.blockHash, BRIDGE_ADDRESS);
    expect(logs).toHaveLength(1);
    const d = decodePegOutLog(logs[0]!, 'regtest', DEFAULT_MIN_PEGOUT_SATS);
    expect(d).toMatchObject({ ok: true, request: { destination: dest, amountSats: 1_250_000n, evmAddress: privateKeyToAccount(DEV_USER_KEY).address.toLowerCase() } });
  }, 120_000);

  it('reverts burns it cannot pay, taking no value: below the minimum, not whole satoshis, another network', async () => {
    const { wallet, reader } = clients();
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(8), network: bitcoin.networks.regtest }).address as string;
    const mainnet = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(8), network: bitcoin.networks.bitcoin }).address as string;
    const min = DEFAULT_MIN_PEGOUT_SATS * 10_000_000_000n;
    expect(revertName(await requestPegOut(wallet, dest, min - 10_000_000_000n).catch((e: unknown) => e))).toBe('BelowMinimumPegOut');
    expect(revertName(await requestPegOut(wallet, dest, min + 1n).catch((e: unknown) => e))).toBe('NotWholeSatoshis');
    expect(revertName(await requestPegOut(wallet, mainnet, min).catch((e: unknown) => e))).toBe('BadBitcoinAddress');
    expect(revertName(await requestPegOut(wallet, 'bcrt1qshort', min).catch((e: unknown) => e))).toBe('BadBitcoinAddress');
    // Sent anyway (no gas estimate): mined, reverted, no log, and the contract holds what it held.
    const held = await reader.getBalance({ address: BRIDGE_ADDRESS });
    const user = privateKeyToAccount(DEV_USER_KEY).address;
    const before = await reader.getBalance({ address: user });
    const hash = await requestPegOut(wallet, dest, min - 10_000_000_000n, 100_000n);
    const block = await blockWithTx();
    expect(block.transactions.length).toBe(1);
    const receipt = await reader.getTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    expect(await el.getLogs(block.blockHash, BRIDGE_ADDRESS)).toHaveLength(0);
    expect(await reader.getBalance({ address: BRIDGE_ADDRESS })).toBe(held);
    // The user paid gas, nothing else.
    expect(before - (await reader.getBalance({ address: user }))).toBe(receipt.gasUsed * receipt.effectiveGasPrice);
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
