// The refund of a rejected deposit, against real processes only: btcd (regtest), the governance
// server, Geth and `alys node`. A key the test holds pays the federation without an OP_RETURN; the
// node rejects the deposit (getdeposit says why, also after a SIGKILL and restart); the depositor
// signs "Alys refund <txid>:<vout> to <address>" with that key (BIP-137, as a wallet's signmessage
// does) and calls requestrefund; governance checks the proof and signs; btcd confirms the refund to
// the address, the deposit less the fee. Bad proofs, a deposit that is not rejected and a second
// refund each get a one-line error. Fails, never skips, if a component cannot start.
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_MINER, DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from '../../harness/btcd.ts';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { refundMessage, signMessage } from '../../src/bridge/refund-proof.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import { TOKEN, connect, tempGovernanceDir } from '../governance/fixtures.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, waitFor, writeNodeConfig } from '../../harness/alys-node.ts';

const ECPair = ECPairFactory(ecc);
const regtest = bitcoin.networks.regtest;
const SEED = '42'.repeat(32);
/** The depositor: a key only this test holds. */
const depositor = ECPair.fromPrivateKey(new Uint8Array(32).fill(0x5a), { network: regtest });
const depositorScript = bitcoin.payments.p2wpkh({ pubkey: depositor.publicKey, network: regtest }).output as Uint8Array;
const REFUND_TO = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(0x5b), network: regtest }).address as string;
let geth: GethProcess;
let btcd: BtcdProcess;
let gov: GovernanceProcess;
let node: NodeProcess;
let configPath = '';
const dir = tempGovernanceDir();
let background: { stop: () => Promise<void> } | undefined;

/** Spends the miner's coinbase of block `height`: `outs` first, the rest back to the miner. */
async function fromCoinbase(height: number, outs: ReadonlyArray<{ script: Uint8Array; value: bigint }>): Promise<bitcoin.Transaction> {
  const coinbase = bitcoin.Transaction.fromBuffer((await btcd.rpc.getBlock(await btcd.rpc.getBlockHash(height))).txs[0] as Uint8Array);
  const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;
  const vout = coinbase.outs.findIndex((o) => toHex(o.script) === toHex(minerScript));
  const value = (coinbase.outs[vout] as bitcoin.Transaction['outs'][number]).value;
  const psbt = new bitcoin.Psbt({ network: regtest });
  psbt.addInput({ hash: coinbase.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
  for (const o of outs) psbt.addOutput(o);
  psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - outs.reduce((t, o) => t + o.value, 0n) - 10_000n });
  psbt.signInput(0, DEV_MINER);
  psbt.finalizeAllInputs();
  const tx = psbt.extractTransaction();
  await btcd.rpc.sendRawTransaction(tx.toHex());
  return tx;
}

/** What btcd's chain pays an address (its address index), with confirmations. */
async function paidTo(address: string): Promise<Array<{ txid: string; value: bigint; confirmations: number }>> {
  const txs = await btcd.rpc.call<Array<{ hex: string; confirmations?: number }>>('searchrawtransactions', [address, 1, 0, 100]).catch(() => []);
  const script = toHex(bitcoin.address.toOutputScript(address, regtest));
  return txs.flatMap((t) => {
    const tx = bitcoin.Transaction.fromHex(t.hex);
    return tx.outs.filter((o) => toHex(o.script) === script).map((o) => ({ txid: tx.getId(), value: o.value, confirmations: t.confirmations ?? 0 }));
  });
}

/** The one-line error a JSON-RPC call gets. */
async function rpcError(method: string, params: unknown[]): Promise<string> {
  const r = await fetch(node.rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await r.json()) as { error?: { message: string } };
  expect(body.error, `${method} succeeded`).toBeDefined();
  const message = body.error?.message ?? '';
  expect(message).not.toContain('\n');
  return message;
}

describe('the refund of a rejected deposit through alys node, the governance server and btcd', () => {
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
    configPath = writeNodeConfig(geth, { authority: true, authorities: [publicKeyOf(SEED)], seedHex: SEED, genesisTimeMs: Math.floor(Date.now() / 1_000) * 1_000, bridge }).configPath;
    node = await startRecovered(configPath);
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

  it('refunds a deposit without an OP_RETURN to the address its input key signed for, once', async () => {
    const fedAddress = await node.call<string>('getdepositaddress');
    const fedScript = bitcoin.address.toOutputScript(fedAddress, regtest);
    // The depositor's coins (from the miner), then its deposit with no OP_RETURN, signed by its key.
    const funding = await fromCoinbase(2, [{ script: depositorScript, value: 3_000_000n }]);
    const psbt = new bitcoin.Psbt({ network: regtest });
    psbt.addInput({ hash: funding.getId(), index: 0, witnessUtxo: { script: depositorScript, value: 3_000_000n } });
    psbt.addOutput({ script: fedScript, value: 2_500_000n });
    psbt.addOutput({ script: depositorScript, value: 490_000n });
    psbt.signInput(0, depositor);
    psbt.finalizeAllInputs();
    const txid = await btcd.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
    // A valid deposit too (an OP_RETURN naming an EVM address): not refundable.
    const valid = await fromCoinbase(3, [{ script: fedScript, value: 1_500_000n }, { script: bitcoin.payments.embed({ data: [fromHex('6d'.repeat(20))] }).output as Uint8Array, value: 0n }]);

    const rejected = await waitFor('getdeposit to report the rejection', async () => {
      const x = await node.call<{ state: string; reason?: string; outputs?: Array<{ vout: number; amountSats: string }> }>('getdeposit', [txid]);
      return x.state === 'rejected' ? x : undefined;
    }, 120_000, 1_000);
    console.log(`getdeposit ${txid} → ${JSON.stringify(rejected)}`);
    expect(rejected).toMatchObject({ reason: 'DEPOSIT_MISSING_OP_RETURN', outputs: [{ vout: 0, amountSats: '2500000', refund: null }] });

    // Kept on disk: after a SIGKILL the restarted node still knows it.
    await node.stop('SIGKILL');
    node = await startRecovered(configPath);
    const again = await waitFor('getdeposit after the restart', async () => node.call<{ state: string; reason?: string }>('getdeposit', [txid]).catch(() => undefined), 60_000, 500);
    console.log(`after SIGKILL and restart: getdeposit ${txid} → ${JSON.stringify(again)}`);
    expect(again).toMatchObject({ state: 'rejected', reason: 'DEPOSIT_MISSING_OP_RETURN' });

    // One-line errors: a proof by another key, a proof for another address, a deposit that is not rejected.
    const sign = (key: Uint8Array, address: string, id = txid) => signMessage(key, refundMessage(id, 0, address));
    const stranger = new Uint8Array(32).fill(0x77);
    const bad = await rpcError('requestrefund', [txid, 0, REFUND_TO, sign(stranger, REFUND_TO)]);
    console.log(`requestrefund with another key's proof → ${bad}`);
    expect(bad).toMatch(/^bad refund proof: .* is not signed by the key of any input of /);
    expect(await rpcError('requestrefund', [txid, 0, REFUND_TO, sign(depositor.privateKey as Uint8Array, DEV_MINER_ADDRESS)])).toMatch(/^bad refund proof/);
    await waitFor('the valid deposit to be found again', async () => ((await node.call<{ state: string }>('getdeposit', [valid.getId()])).state === 'found' ? true : undefined), 60_000, 500);
    const notRejected = await rpcError('requestrefund', [valid.getId(), 0, REFUND_TO, sign(DEV_MINER.privateKey as Uint8Array, REFUND_TO, valid.getId())]);
    console.log(`requestrefund of a valid deposit → ${notRejected}`);
    expect(notRejected).toBe(`${valid.getId()} is a valid deposit (minted on Alys), not a rejected one: it has no refund`);

    // The proof by the deposit's input key: governance signs, the node broadcasts.
    const asked = await node.call<{ state: string; refundTxid: string; feeSats: string; amountSats: string }>('requestrefund', [txid, 0, REFUND_TO, sign(depositor.privateKey as Uint8Array, REFUND_TO)]);
    console.log(`requestrefund → ${JSON.stringify(asked)}`);
    expect(asked).toMatchObject({ state: 'requested', amountSats: '2500000' });
    expect(await rpcError('requestrefund', [txid, 0, REFUND_TO, sign(depositor.privateKey as Uint8Array, REFUND_TO)])).toContain('is already under way');

    const paid = await waitFor('btcd to confirm the refund', async () => {
      const p = await paidTo(REFUND_TO);
      return p.length > 0 && (p[0]?.confirmations ?? 0) >= 2 ? p : undefined;
    }, 240_000, 2_000);
    expect(paid).toHaveLength(1);
    const refund = paid[0] as { txid: string; value: bigint; confirmations: number };
    console.log(`btcd: ${refund.txid} pays ${refund.value} sat to ${REFUND_TO} (${refund.confirmations} confirmations); fee ${2_500_000n - refund.value}`);
    expect(refund.txid).toBe(asked.refundTxid);
    expect(refund.value).toBe(2_500_000n - BigInt(asked.feeSats));
    // The refund spends exactly the deposit's output.
    const raw = bitcoin.Transaction.fromHex(await btcd.rpc.call<string>('getrawtransaction', [refund.txid, 0]));
    expect(raw.ins.map((i) => `${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`)).toEqual([`${txid}:0`]);

    const done = await waitFor('getdeposit to say refunded', async () => {
      const x = await node.call<{ state: string; refundTxids?: string[] }>('getdeposit', [txid]);
      return x.state === 'refunded' ? x : undefined;
    }, 120_000, 1_000);
    console.log(`getdeposit ${txid} → ${JSON.stringify(done)}`);
    expect(done.refundTxids).toEqual([refund.txid]);
    const twice = await rpcError('requestrefund', [txid, 0, REFUND_TO, sign(depositor.privateKey as Uint8Array, REFUND_TO)]);
    console.log(`requestrefund again → ${twice}`);
    expect(twice).toBe(`${txid}:0 is already refunded, by ${refund.txid}`);
  }, 600_000);
});
