// The peg through the production node, against real processes only: btcd (regtest), the governance
// server, Geth, and `alys node` with its bridge. A deposit to the address the node's
// getdepositaddress gives is minted: Geth reports the EVM balance increased by exactly the amount.
// A burn made as a wallet makes it (viem writeContract with the bridge contract's ABI) ends as a btcd
// transaction paying the right address, signed through governance; a peg-out during which governance
// is SIGKILLed and restarted is paid exactly once; and after governance rotates the federation
// (SIGHUP on an extended key file), the authority SIGKILLed and restarted catches up and mints a
// deposit to the new address that Bitcoin confirmed while it was down. Fails, never skips, if a
// component cannot start.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import { createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_MINER, DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from '../../harness/btcd.ts';
import { DEV_CHAIN_ID, DEV_USER_KEY, type GethProcess, startGeth } from '../../harness/geth.ts';
import { requestPegOut } from '../../harness/bridge-contract.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { devMemberKeys, FederationSigner, MemorySignedStore } from '../../src/governance/signer.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import { TOKEN, connect, tempGovernanceDir } from '../governance/fixtures.ts';
import { tempDir } from '../../harness/temp-dirs.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';

const regtest = bitcoin.networks.regtest;
const SEED = '41'.repeat(32);
const MINT_TO = `0x${'6b'.repeat(20)}`;
let geth: GethProcess;
let btcd: BtcdProcess;
let gov: GovernanceProcess;
let node: NodeProcess;
const dir = tempGovernanceDir();
// The authority records its IO through the whole peg test (issue 16), before and after its SIGKILL.
const recordings = tempDir('alys-peg-recordings-');
const recordedFirst = join(recordings, 'before-kill');
const recordedSecond = join(recordings, 'after-restart');
let background: { stop: () => Promise<void> } | undefined;
let configPath = '';

async function ethCall<T>(method: string, params: unknown[]): Promise<T> {
  const r = await fetch(geth.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await r.json()) as { result: T }).result;
}

/** Payouts btcd's chain holds for an address (btcd's address index). */
async function payoutsTo(address: string): Promise<Array<{ txid: string; value: bigint; confirmations: number }>> {
  const txs = await btcd.rpc.call<Array<{ hex: string; confirmations?: number }>>('searchrawtransactions', [address, 1, 0, 100]).catch(() => []);
  const script = toHex(bitcoin.address.toOutputScript(address, regtest));
  return txs.flatMap((t) => {
    const tx = bitcoin.Transaction.fromHex(t.hex);
    return tx.outs.filter((o) => toHex(o.script) === script).map((o) => ({ txid: tx.getId(), value: o.value, confirmations: t.confirmations ?? 0 }));
  });
}

/** What a transaction on btcd pays in fees: its inputs' values less its outputs'. */
async function feeOf(txid: string): Promise<bigint> {
  const raw = await btcd.rpc.call<string>('getrawtransaction', [txid, 0]);
  const tx = bitcoin.Transaction.fromHex(raw);
  let inSum = 0n;
  for (const i of tx.ins) {
    const prev = await btcd.rpc.getOutput(toHex(Uint8Array.from(i.hash).reverse()), i.index);
    inSum += prev?.amountSats ?? 0n;
  }
  return inSum - tx.outs.reduce((t, o) => t + o.value, 0n);
}

/** Pays `sats` from the miner's coinbase of block `coinbaseHeight` to `address`, naming `evm` in an OP_RETURN. */
async function deposit(coinbaseHeight: number, address: string, evm: string, sats: bigint): Promise<void> {
  const coinbase = bitcoin.Transaction.fromBuffer((await btcd.rpc.getBlock(await btcd.rpc.getBlockHash(coinbaseHeight))).txs[0] as Uint8Array);
  const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;
  const vout = coinbase.outs.findIndex((o) => toHex(o.script) === toHex(minerScript));
  const value = (coinbase.outs[vout] as bitcoin.Transaction['outs'][number]).value;
  const psbt = new bitcoin.Psbt({ network: regtest });
  psbt.addInput({ hash: coinbase.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
  psbt.addOutput({ address, value: sats });
  psbt.addOutput({ script: bitcoin.payments.embed({ data: [fromHex(evm)] }).output as Uint8Array, value: 0n });
  psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - sats - 10_000n });
  psbt.signInput(0, DEV_MINER);
  psbt.finalizeAllInputs();
  await btcd.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
}

/** Waits until Geth reports a balance at `evm`, and returns it. */
function mintedTo(evm: string, timeoutMs = 180_000): Promise<bigint> {
  return waitFor(
    `the peg-in to ${evm} to be minted`,
    async () => {
      const b = BigInt(await ethCall<string>('eth_getBalance', [evm, 'latest']));
      return b > 0n ? b : undefined;
    },
    timeoutMs,
    1_000,
  );
}

function burnTo(dest: string, sats: bigint): Promise<string> {
  const chain = defineChain({ id: DEV_CHAIN_ID, name: 'alys-dev', nativeCurrency: { name: 'BTC', symbol: 'BTC', decimals: 18 }, rpcUrls: { default: { http: [geth.rpcUrl] } } });
  const wallet = createWalletClient({ account: privateKeyToAccount(DEV_USER_KEY), chain, transport: http(geth.rpcUrl) });
  return requestPegOut(wallet, dest, sats * 10_000_000_000n);
}

describe('the peg through alys node, btcd, the governance server and Geth', () => {
  beforeAll(async () => {
    [geth, btcd] = await Promise.all([startGeth(), startBtcd()]);
    gov = await spawnGovernanceServer({ token: TOKEN, statePath: dir.statePath, keysPath: dir.keysPath });
    const { stream, rec } = await connect(gov.listening);
    const fed = await rec.federation();
    stream.close();
    await btcd.rpc.mine(101, DEV_MINER_ADDRESS);
    const bridge = {
      bitcoin: { url: btcd.url, user: btcd.user, password: btcd.password, dialect: 'btcd', network: 'regtest', confirmations: 2, startHeight: 100 },
      governance: { address: gov.listening, token: TOKEN, federation: { publicKeys: fed.publicKeysHex, threshold: fed.threshold } },
    };
    const cfg = writeNodeConfig(geth, { authority: true, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs: Math.floor(Date.now() / 1_000) * 1_000, bridge });
    configPath = cfg.configPath;
    node = await startRecovered(configPath, undefined, { recordDir: recordedFirst });
    // A merged miner and a Bitcoin miner in the background, as on a real network.
    let on = true;
    const loop = (async () => {
      while (on) {
        await mineOnce(node).catch(() => false);
        await btcd.rpc.mine(1, DEV_MINER_ADDRESS).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1_500));
      }
    })();
    background = { stop: async () => ((on = false), await loop) };
  }, 900_000);
  afterAll(async () => {
    await background?.stop();
    await node?.stop('SIGKILL');
    await gov?.stop('SIGKILL');
    await btcd?.stop();
    await geth?.stop();
    dir.cleanup();
  });

  it('mints a deposit to the address getdepositaddress gives: Geth reports exactly the amount', async () => {
    const address = await node.call<string>('getdepositaddress');
    await deposit(2, address, MINT_TO, 5_000_000n);
    expect(await mintedTo(MINT_TO)).toBe(5_000_000n * 10_000_000_000n);
  }, 240_000);

  it('pays a burn on the bridge contract with a btcd transaction signed through governance', async () => {
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(0x31), network: regtest }).address as string;
    const burnHash = await burnTo(dest, 1_200_000n);
    const paid = await waitFor('the payout to confirm', async () => {
      const p = await payoutsTo(dest);
      return p.length > 0 && (p[0]?.confirmations ?? 0) >= 1 ? p : undefined;
    }, 300_000, 2_000);
    expect(paid).toHaveLength(1);
    // The user receives the amount burned less exactly the transaction's fee, nothing else.
    const p = paid[0] as { txid: string; value: bigint };
    expect(p.value + (await feeOf(p.txid))).toBe(1_200_000n);
    // getpegout names the payout and its fee.
    const report = await waitFor('getpegout to report the payout', async () => {
      const r = await node.call<Array<{ state: string; payoutTxid: string | null; feeSats: string | null }> | null>('getpegout', [burnHash]);
      return r?.[0]?.payoutTxid === p.txid ? r[0] : undefined;
    }, 120_000, 1_000);
    expect(BigInt(report.feeSats ?? '0')).toBe(await feeOf(p.txid));
  }, 360_000);

  it('records a deposit without an OP_RETURN as rejected, never minted: getdeposit gives the reason', async () => {
    const address = await node.call<string>('getdepositaddress');
    const coinbase = bitcoin.Transaction.fromBuffer((await btcd.rpc.getBlock(await btcd.rpc.getBlockHash(3))).txs[0] as Uint8Array);
    const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;
    const vout = coinbase.outs.findIndex((o) => toHex(o.script) === toHex(minerScript));
    const value = (coinbase.outs[vout] as bitcoin.Transaction['outs'][number]).value;
    const psbt = new bitcoin.Psbt({ network: regtest });
    psbt.addInput({ hash: coinbase.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
    psbt.addOutput({ address, value: 1_500_000n });
    psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - 1_500_000n - 10_000n });
    psbt.signInput(0, DEV_MINER);
    psbt.finalizeAllInputs();
    const txid = await btcd.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
    const r = await waitFor('getdeposit to report the rejection', async () => {
      const x = await node.call<{ state: string; reason?: string }>('getdeposit', [txid]);
      return x.state === 'rejected' ? x : undefined;
    }, 120_000, 1_000);
    expect(r.reason).toBe('DEPOSIT_MISSING_OP_RETURN');
    const status = await node.call<{ pegs: { pegIns: { rejected: number; minted: number } } }>('status');
    expect(status.pegs.pegIns.rejected).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${node.rpc}/metrics`)).text();
    expect(metrics).toMatch(/alys_peg_deposits_rejected\{reason="DEPOSIT_MISSING_OP_RETURN"\} [1-9]/);
    expect(metrics).toMatch(/alys_peg_federation_balance_sats [1-9]/);
  }, 180_000);

  it('pays once a peg-out during which governance is SIGKILLed and restarted', async () => {
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(0x32), network: regtest }).address as string;
    await burnTo(dest, 1_100_000n);
    await new Promise((r) => setTimeout(r, 4_000));
    await gov.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 8_000));
    gov = await spawnGovernanceServer({ token: TOKEN, statePath: dir.statePath, keysPath: dir.keysPath, listen: gov.listening });
    const paid = await waitFor('the payout after governance came back', async () => {
      const p = await payoutsTo(dest);
      return p.length > 0 && (p[0]?.confirmations ?? 0) >= 2 ? p : undefined;
    }, 300_000, 2_000);
    expect(paid).toHaveLength(1);
    // A while later, still exactly one payout.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await payoutsTo(dest)).toHaveLength(1);
  }, 420_000);

  it('after a federation rotation, an authority SIGKILLed and restarted catches up and mints a deposit to the new address', async () => {
    // Governance rotates: a second federation appended to its key file, applied on SIGHUP.
    const v2Keys = devMemberKeys('test-rotated', 5);
    const keys = JSON.parse(readFileSync(dir.keysPath, 'utf8')) as Record<string, unknown>;
    const grace = (await btcd.rpc.getBlockCount()) + 50;
    writeFileSync(dir.keysPath, JSON.stringify({ ...keys, rotations: [{ threshold: 3, privateKeysHex: v2Keys.map(toHex), previousValidUntilHeight: grace }] }));
    const expected = new FederationSigner({ network: 'regtest', privateKeys: v2Keys, threshold: 3, store: new MemorySignedStore(), maxFeeSats: 1n, version: 2 }).current.address;
    gov.child.kill('SIGHUP');
    const address = await waitFor('the node to take the new federation', async () => {
      const a = await node.call<string>('getdepositaddress');
      return a === expected ? a : undefined;
    }, 60_000);
    // A deposit to the new address goes into a Bitcoin block, and the authority dies right after.
    const MINT_TO_NEW = `0x${'6c'.repeat(20)}`;
    await deposit(4, address, MINT_TO_NEW, 1_500_000n);
    await btcd.rpc.mine(1, DEV_MINER_ADDRESS);
    const before = await node.call<{ height: number }>('getheadblock');
    await node.stop('SIGKILL');
    await btcd.rpc.mine(2, DEV_MINER_ADDRESS);
    node = await startRecovered(configPath, undefined, { recordDir: recordedSecond });
    // It remembers the rotation, catches up past where it died, and mints the deposit.
    expect(await node.call<string>('getdepositaddress')).toBe(expected);
    expect(await mintedTo(MINT_TO_NEW, 240_000)).toBe(1_500_000n * 10_000_000_000n);
    const after = await waitFor('the chain to move past where it died', async () => {
      const h = await node.call<{ height: number }>('getheadblock');
      return h.height > before.height + 3 ? h : undefined;
    }, 120_000);
    expect(after.height).toBeGreaterThan(before.height);
    const status = await node.call<{ finalized: number }>('status');
    expect(status.finalized).toBeGreaterThan(0);
  }, 480_000);

  it('replays both recordings of the authority (killed with SIGKILL, then stopped) with matches: true, and they hold no secret', async () => {
    await background?.stop();
    await node.stop('SIGTERM');
    const secrets = [TOKEN, btcd.password, readFileSync(geth.jwtPath, 'utf8').trim().replace(/^0x/, '')];
    for (const [dirOf, complete] of [
      [recordedFirst, false],
      [recordedSecond, true],
    ] as const) {
      const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'alys.mjs'), 'replay', dirOf, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { matches: boolean; complete: boolean; events: number };
      expect(report).toMatchObject({ matches: true, complete });
      expect(report.events).toBeGreaterThan(200);
      const text = readdirSync(dirOf).map((f) => readFileSync(join(dirOf, f), 'utf8')).join('');
      expect(text).toContain('gov.0.message');
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  }, 600_000);
});
