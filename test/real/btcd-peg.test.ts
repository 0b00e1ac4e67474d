// Against a real btcd (regtest) and the real governance server process: a deposit built with
// bitcoinjs-lib pays the federation's P2WSH with an OP_RETURN, btcd mines it, our BitcoinRpc and
// deposit scanner find it with its confirmations; then a peg-out of it is built from public data,
// signed by the governance server over gRPC, checked, broadcast, and mined by btcd paying the right
// address; governance is SIGKILLed and restarted and still pays that peg-out once. Fails (never
// skips) if btcd or the server cannot be started.
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_MINER, DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from '../../harness/btcd.ts';
import { BitcoinRpc } from '../../src/io/prod/bitcoin-rpc.ts';
import { scanDeposit } from '../../src/bridge/deposit.ts';
import { type Federation, federationFromHex, scriptOfAddress } from '../../src/bridge/federation.ts';
import { buildPegOutTx } from '../../src/bridge/pegout-tx.ts';
import { applyWitnesses } from '../../src/bridge/witness.ts';
import type { SignatureResponse } from '../../src/governance/messages.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import { TOKEN, connect, tempGovernanceDir } from '../governance/fixtures.ts';

const regtest = bitcoin.networks.regtest;
const EVM = `0x${'5a'.repeat(20)}`;
const DEPOSIT = 1_000_000n;

let btcd: BtcdProcess;
let gov: GovernanceProcess;
const dir = tempGovernanceDir();
let fed: Federation;
let depositTxid = '';

describe('peg-in and peg-out against real btcd and the governance server', () => {
  beforeAll(async () => {
    btcd = await startBtcd();
    gov = await spawnGovernanceServer({ token: TOKEN, statePath: dir.statePath, keysPath: dir.keysPath });
    const { stream, rec } = await connect(gov.listening);
    const u = await rec.federation();
    fed = federationFromHex(u.publicKeysHex, u.threshold, 'regtest', u.version);
    expect(fed.address).toBe(u.address);
    stream.close();
    await btcd.rpc.mine(101, DEV_MINER_ADDRESS);
  }, 600_000);
  afterAll(async () => {
    await gov?.stop('SIGKILL');
    await btcd?.stop();
    dir.cleanup();
  });

  it('a deposit to the federation with an OP_RETURN is found with its confirmations', async () => {
    const coinbase = (await btcd.rpc.getBlock(await btcd.rpc.getBlockHash(1))).txs[0] as Uint8Array;
    const cb = bitcoin.Transaction.fromBuffer(coinbase);
    const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;
    const vout = cb.outs.findIndex((o) => toHex(o.script) === toHex(minerScript));
    expect(vout).toBeGreaterThanOrEqual(0);
    const psbt = new bitcoin.Psbt({ network: regtest });
    const value = (cb.outs[vout] as bitcoin.Transaction['outs'][number]).value;
    psbt.addInput({ hash: cb.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
    psbt.addOutput({ script: fed.scriptPubKey, value: DEPOSIT });
    psbt.addOutput({ script: bitcoin.payments.embed({ data: [fromHex(EVM)] }).output as Uint8Array, value: 0n });
    psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - DEPOSIT - 10_000n });
    psbt.signInput(0, DEV_MINER);
    psbt.finalizeAllInputs();
    depositTxid = await btcd.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
    await btcd.rpc.mine(6, DEV_MINER_ADDRESS);
    const tip = await btcd.rpc.getBlockCount();
    let found = false;
    for (let h = 100; h <= tip; h++) {
      for (const raw of (await btcd.rpc.getBlock(await btcd.rpc.getBlockHash(h))).txs) {
        const r = scanDeposit(raw, [fed]);
        if (r.kind === 'deposits') {
          expect(r.deposits).toEqual([{ txid: depositTxid, vout: 0, amountSats: DEPOSIT, evmAddress: EVM, federationVersion: fed.version }]);
          found = true;
        }
      }
    }
    expect(found).toBe(true);
    expect(await btcd.rpc.getConfirmations(depositTxid)).toBe(6);
    const utxos = await btcd.rpc.listUnspent(fed.scriptPubKey, 6);
    expect(utxos).toEqual([{ txid: depositTxid, vout: 0, amountSats: DEPOSIT, confirmations: 6 }]);
  }, 300_000);

  it('a peg-out signed by the governance server is accepted and mined by btcd, and paid once across a governance SIGKILL', async () => {
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(3), network: regtest }).address as string;
    const amount = 400_000n;
    const utxos = (await btcd.rpc.listUnspent(fed.scriptPubKey, 1)).map((u) => ({ ...u, witnessScript: fed.witnessScript }));
    const build = (rate: bigint) => {
      const b = buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'burn-1', script: scriptOfAddress(dest, 'regtest'), amountSats: amount }], feeRateSatPerVb: rate, changeScript: fed.scriptPubKey, threshold: fed.threshold });
      if (!b.ok) throw new Error(b.error.detail);
      return b.built;
    };
    const built = build(await btcd.rpc.estimateFeeRate());
    const ask = async (requestId: string, tx: bitcoin.Transaction): Promise<SignatureResponse> => {
      const { stream, rec } = await connect(gov.listening);
      stream.send({ kind: 'register-peg-out', messageId: `reg-${requestId}`, registration: { pegOutId: 'burn-1', destination: dest, amountSats: amount, burnTxHash: '0xabc' } });
      await rec.ack(`reg-${requestId}`);
      stream.send({ kind: 'sign', messageId: `sign-${requestId}`, request: { requestId, txHex: tx.toHex(), inputs: built.inputs.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })), pegOutIds: ['burn-1'] } });
      const r = await rec.signature(requestId);
      stream.close();
      return r;
    };
    const first = await ask('r1', built.tx);
    expect(first.kind).toBe('signed');
    if (first.kind !== 'signed') return;
    const applied = applyWitnesses(first.txHex, built.inputs, first.witnesses);
    expect(applied.ok).toBe(true);
    if (!applied.ok) return;
    // Governance dies after signing; restarted on the same state it pays this peg-out with the same
    // transaction, even when asked for a different one (another fee rate).
    await gov.stop('SIGKILL');
    gov = await spawnGovernanceServer({ token: TOKEN, statePath: dir.statePath, keysPath: dir.keysPath });
    const again = await ask('r2', build(5n).tx);
    expect(again.kind === 'signed' && again.txHex).toBe(first.txHex);
    const txid = await btcd.rpc.sendRawTransaction(applied.tx.toHex());
    expect(txid).toBe(applied.tx.getId());
    // In btcd's mempool already: the deposit counts as spent, and the change is there unconfirmed.
    expect((await btcd.rpc.listUnspent(fed.scriptPubKey, 0)).map((u) => [u.txid, u.amountSats, u.confirmations])).toEqual([[txid, DEPOSIT - amount, 0]]);
    expect(await btcd.rpc.listUnspent(fed.scriptPubKey, 1)).toEqual([]);
    await btcd.rpc.mine(1, DEV_MINER_ADDRESS);
    expect(await btcd.rpc.getConfirmations(txid)).toBe(1);
    const paid = await btcd.rpc.getOutput(txid, 0);
    expect(paid).toEqual({ amountSats: amount - built.feeSats, scriptPubKey: scriptOfAddress(dest, 'regtest') });
    // The deposit output is spent: only the change is left with the federation.
    expect((await btcd.rpc.listUnspent(fed.scriptPubKey, 1)).map((u) => u.amountSats)).toEqual([DEPOSIT - amount]);
  }, 300_000);

  it('mines when two clients ask btcd to generate at once (btcd refuses a generate while another runs)', async () => {
    const other = new BitcoinRpc({ url: btcd.url, auth: { user: btcd.user, password: btcd.password }, dialect: 'btcd', network: regtest });
    const before = await btcd.rpc.getBlockCount();
    const mined = await Promise.all([btcd.rpc.mine(20, DEV_MINER_ADDRESS), btcd.rpc.mine(20, DEV_MINER_ADDRESS), other.mine(20, DEV_MINER_ADDRESS), other.mine(20, DEV_MINER_ADDRESS)]);
    expect(mined.map((m) => m.length)).toEqual([20, 20, 20, 20]);
    expect(await btcd.rpc.getBlockCount()).toBe(before + 80);
  }, 120_000);
});
