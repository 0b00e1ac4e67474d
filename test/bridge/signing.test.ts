// The peg-out signing path end to end without a network: Alys builds an unsigned transaction from
// public data, governance's signer checks and signs it, Alys verifies and applies the witnesses.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { scriptOfAddress } from '../../src/bridge/federation.ts';
import { buildPegOutTx, type FederationUtxo } from '../../src/bridge/pegout-tx.ts';
import { applyWitnesses } from '../../src/bridge/witness.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import type { SignatureRequest } from '../../src/governance/messages.ts';
import { toHex } from '../../src/types/hex.ts';

const dest = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const dest2 = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(9), network: bitcoin.networks.regtest }).address as string;

function setup() {
  const store = new MemorySignedStore();
  const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('t', 5).slice(0, 3), threshold: 3, store, maxFeeSats: 50_000n });
  // Alys knows only the public side: 3 of the 5 keys are held here, so the federation is 3-of-3 of them.
  const fed = signer.current;
  const utxos: FederationUtxo[] = [
    { txid: 'aa'.repeat(32), vout: 0, amountSats: 60_000n, witnessScript: fed.witnessScript },
    { txid: 'bb'.repeat(32), vout: 1, amountSats: 100_000n, witnessScript: fed.witnessScript },
  ];
  return { store, signer, fed, utxos };
}

function request(built: ReturnType<typeof buildPegOutTx>, ids: string[], id = 'r1'): SignatureRequest {
  if (!built.ok) throw new Error(built.error.detail);
  return {
    requestId: id,
    txHex: built.built.tx.toHex(),
    inputs: built.built.inputs.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })),
    pegOutIds: ids,
  };
}

describe('peg-out signing', () => {
  it('signs a correct peg-out; the witnesses verify and pay the right amount less the fee', () => {
    const { signer, fed, utxos } = setup();
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 120_000n, burnTxHash: '0x01' });
    const built = buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 120_000n }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const res = signer.sign(request(built, ['p1']));
    expect(res.kind).toBe('signed');
    if (res.kind !== 'signed' || !built.ok) return;
    const applied = applyWitnesses(res.txHex, built.built.inputs, res.witnesses);
    expect(applied.ok).toBe(true);
    if (!applied.ok) return;
    expect(applied.tx.outs[0]?.value).toBe(120_000n - built.built.feeSats);
    expect(applied.tx.outs[1]?.value).toBe(40_000n);
    expect(built.built.feeSats).toBeGreaterThan(0n);
    // A tampered witness is caught before broadcast.
    const bad = res.witnesses.map((w) => [...w]);
    (bad[0] as string[])[1] = (bad[1] as string[])[1] as string;
    const tampered = applyWitnesses(res.txHex, built.built.inputs, bad);
    expect(tampered.ok).toBe(false);
    // Verifications are remembered (src/bridge/witness.ts): the same question gets the same answer,
    // and the very signatures just accepted are refused on a transaction that pays otherwise.
    expect(applyWitnesses(res.txHex, built.built.inputs, res.witnesses).ok).toBe(true);
    const altered = bitcoin.Transaction.fromHex(res.txHex);
    (altered.outs[0] as { value: bigint }).value -= 1n;
    const moved = applyWitnesses(altered.toHex(), built.built.inputs, res.witnesses);
    expect(moved).toEqual({ ok: false, error: 'input 0: a signature matches no remaining federation key' });
  });

  it('answers a lookup (no transaction) with what it signed for the peg-out, and refuses one for a peg-out it never signed', () => {
    const { signer, fed, utxos } = setup();
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 120_000n, burnTxHash: '0x01' });
    const built = buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 120_000n }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const before = signer.sign({ requestId: 'l0', txHex: '', inputs: [], pegOutIds: ['p1'] });
    expect(before.kind).toBe('refused');
    const signed = signer.sign(request(built, ['p1']));
    if (signed.kind !== 'signed') throw new Error('not signed');
    // Even paused (an already signed transaction releases no new signature).
    signer.setPaused(true);
    const looked = signer.sign({ requestId: 'l1', txHex: '', inputs: [], pegOutIds: ['p1'] });
    expect(looked).toEqual({ ...signed, requestId: 'l1' });
    expect(signer.sign({ requestId: 'l2', txHex: '', inputs: [], pegOutIds: ['p2'] }).kind).toBe('refused');
  });

  it('signs a consolidation of current-federation outputs into one, and nothing that pays elsewhere or merges a single output', () => {
    const { signer, fed, utxos } = setup();
    const merge = (inputs: FederationUtxo[], outScript: Uint8Array, id: string): SignatureRequest => {
      const tx = new bitcoin.Transaction();
      tx.version = 2;
      for (const u of inputs) tx.addInput(Buffer.from(u.txid, 'hex').reverse(), u.vout, 0xfffffffd);
      tx.addOutput(outScript, inputs.reduce((t, u) => t + u.amountSats, 0n) - 1_000n);
      return { requestId: id, txHex: tx.toHex(), inputs: inputs.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })), pegOutIds: [] };
    };
    expect(signer.sign(merge(utxos.slice(0, 1), fed.scriptPubKey, 'c1'))).toMatchObject({ kind: 'refused', reason: 'unexpected-output' });
    expect(signer.sign(merge(utxos, scriptOfAddress(dest, 'regtest'), 'c2'))).toMatchObject({ kind: 'refused', reason: 'unexpected-output' });
    const ok = signer.sign(merge(utxos, fed.scriptPubKey, 'c3'));
    expect(ok.kind).toBe('signed');
    if (ok.kind !== 'signed') return;
    expect(applyWitnesses(ok.txHex, utxos, ok.witnesses).ok).toBe(true);
  });

  it('refuses what it must not sign', () => {
    const { signer, fed, utxos } = setup();
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 50_000n, burnTxHash: '0x01' });
    const payTo = (addr: string, amount: bigint) => buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'p1', script: scriptOfAddress(addr, 'regtest'), amountSats: amount }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    expect(signer.sign(request(payTo(dest2, 50_000n), ['p1']))).toMatchObject({ kind: 'refused', reason: 'wrong-payout' });
    expect(signer.sign(request(payTo(dest, 70_000n), ['p1']))).toMatchObject({ kind: 'refused', reason: 'wrong-payout' });
    expect(signer.sign(request(payTo(dest, 50_000n), ['nope']))).toMatchObject({ kind: 'refused', reason: 'unregistered-peg-out' });
    expect(signer.sign({ requestId: 'x', txHex: 'zz', inputs: [], pegOutIds: ['p1'] })).toMatchObject({ kind: 'refused', reason: 'malformed-transaction' });
    const other = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('other', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 1n }).current;
    const foreign = buildPegOutTx({ utxos: utxos.map((u) => ({ ...u, witnessScript: other.witnessScript })), pegOuts: [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 50_000n }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    expect(signer.sign(request(foreign, ['p1']))).toMatchObject({ kind: 'refused', reason: 'unknown-input' });
  });

  it('never signs two spends of one output, and answers a repeated request with the same transaction', () => {
    const { signer, fed, utxos, store } = setup();
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 50_000n, burnTxHash: '0x01' });
    signer.registerPegOut({ pegOutId: 'p2', destination: dest2, amountSats: 50_000n, burnTxHash: '0x02' });
    const one = buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 50_000n }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const a = signer.sign(request(one, ['p1']));
    expect(a.kind).toBe('signed');
    // Restarted governance (same store) answers the same request with the same transaction.
    const again = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('t', 5).slice(0, 3), threshold: 3, store, maxFeeSats: 50_000n });
    const b = again.sign(request(one, ['p1'], 'r2'));
    expect(b.kind === 'signed' && a.kind === 'signed' && b.txHex === a.txHex).toBe(true);
    // p2 built over the same largest UTXO conflicts and is refused with the conflicting spend.
    const two = buildPegOutTx({ utxos, pegOuts: [{ pegOutId: 'p2', script: scriptOfAddress(dest2, 'regtest'), amountSats: 50_000n }], feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const c = again.sign(request(two, ['p2'], 'r3'));
    expect(c).toMatchObject({ kind: 'refused', reason: 'input-already-signed' });
    expect(c.kind === 'refused' && c.conflictingTxHex !== undefined && bitcoin.Transaction.fromHex(c.conflictingTxHex).getId()).toBe(a.kind === 'signed' && bitcoin.Transaction.fromHex(a.txHex).getId());
  });

  it('pays a peg-out again only once the payout it signed has been unable to confirm for voidAfterBlocks, and then releases its live inputs', () => {
    const store = new MemorySignedStore();
    // Governance's Bitcoin: a tip, the transactions it holds, and the outputs still spendable.
    const chain = { tip: 100, txs: new Set<string>(), spendable: new Set<string>() };
    const view = { tipHeight: () => chain.tip, hasTransaction: (t: string) => chain.txs.has(t), isSpendable: (op: string) => chain.spendable.has(op) };
    const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('t', 5).slice(0, 3), threshold: 3, store, maxFeeSats: 50_000n, chain: view, voidAfterBlocks: 6 });
    const fed = signer.current;
    const deposit: FederationUtxo = { txid: 'aa'.repeat(32), vout: 0, amountSats: 60_000n, witnessScript: fed.witnessScript };
    const older: FederationUtxo = { txid: 'bb'.repeat(32), vout: 1, amountSats: 30_000n, witnessScript: fed.witnessScript };
    const fresh: FederationUtxo = { txid: 'cc'.repeat(32), vout: 0, amountSats: 90_000n, witnessScript: fed.witnessScript };
    for (const u of [deposit, older, fresh]) chain.spendable.add(`${u.txid}:${u.vout}`);
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 80_000n, burnTxHash: '0x01' });
    const pegOut = [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 80_000n }];
    const build = (utxos: FederationUtxo[]) => buildPegOutTx({ utxos, pegOuts: pegOut, feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const first = signer.sign(request(build([deposit, older]), ['p1'], 'r1'));
    expect(first.kind).toBe('signed');
    const firstId = first.kind === 'signed' ? bitcoin.Transaction.fromHex(first.txHex).getId() : '';
    const again = () => signer.sign(request(build([fresh]), ['p1'], `r${chain.tip}`));
    // Broadcast and in the mempool: a new payout of p1 is answered with the first one.
    chain.txs.add(firstId);
    expect(again()).toMatchObject({ kind: 'signed', txHex: first.kind === 'signed' ? first.txHex : '' });
    // A reorg double-spends the deposit away: the payout can no longer confirm, but only a reorg
    // deeper than voidAfterBlocks could bring it back, so governance waits that long.
    chain.txs.delete(firstId);
    chain.spendable.delete(`${deposit.txid}:${deposit.vout}`);
    expect(again()).toMatchObject({ kind: 'signed', txHex: first.kind === 'signed' ? first.txHex : '' });
    chain.tip += 5;
    expect(again()).toMatchObject({ kind: 'signed', txHex: first.kind === 'signed' ? first.txHex : '' });
    chain.tip += 1;
    const second = again();
    expect(second.kind).toBe('signed');
    const secondId = second.kind === 'signed' ? bitcoin.Transaction.fromHex(second.txHex).getId() : '';
    expect(secondId).not.toBe(firstId);
    expect(store.load()?.voided?.[firstId]).toBe(106);
    expect(store.load()?.paidBy.p1).toBe(secondId);
    // The first payout's live input is free again (its only spend can never confirm); a request
    // naming the voided transaction is answered with the payout that replaced it.
    expect(store.load()?.spentBy[`${older.txid}:${older.vout}`]).toBeUndefined();
    expect(signer.sign(request(build([deposit, older]), ['p1'], 'r-old'))).toMatchObject({ kind: 'signed', txHex: second.kind === 'signed' ? second.txHex : '' });
  });

  it('never voids a signed payout that is still in Bitcoin, nor one whose inputs all still exist', () => {
    const chain = { tip: 100, txs: new Set<string>(), spendable: new Set<string>() };
    const view = { tipHeight: () => chain.tip, hasTransaction: (t: string) => chain.txs.has(t), isSpendable: (op: string) => chain.spendable.has(op) };
    const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('t', 5).slice(0, 3), threshold: 3, store: new MemorySignedStore(), maxFeeSats: 50_000n, chain: view });
    const fed = signer.current;
    const a: FederationUtxo = { txid: 'aa'.repeat(32), vout: 0, amountSats: 100_000n, witnessScript: fed.witnessScript };
    const b: FederationUtxo = { txid: 'cc'.repeat(32), vout: 0, amountSats: 100_000n, witnessScript: fed.witnessScript };
    chain.spendable.add(`${b.txid}:${b.vout}`);
    signer.registerPegOut({ pegOutId: 'p1', destination: dest, amountSats: 80_000n, burnTxHash: '0x01' });
    const pegOut = [{ pegOutId: 'p1', script: scriptOfAddress(dest, 'regtest'), amountSats: 80_000n }];
    const build = (u: FederationUtxo) => buildPegOutTx({ utxos: [u], pegOuts: pegOut, feeRateSatPerVb: 2n, changeScript: fed.scriptPubKey, threshold: 3 });
    const first = signer.sign(request(build(a), ['p1'], 'r1'));
    const firstId = first.kind === 'signed' ? bitcoin.Transaction.fromHex(first.txHex).getId() : '';
    // Confirmed (its input spent by itself): never voided, however long.
    chain.txs.add(firstId);
    for (let i = 0; i < 3; i++, chain.tip += 10) expect(signer.sign(request(build(b), ['p1'], `r${chain.tip}`))).toMatchObject({ kind: 'signed', txHex: first.kind === 'signed' ? first.txHex : '' });
    // Dropped from the mempool but its input still there (it may be broadcast again): not voided either.
    chain.txs.delete(firstId);
    chain.spendable.add(`${a.txid}:${a.vout}`);
    for (let i = 0; i < 3; i++, chain.tip += 10) expect(signer.sign(request(build(b), ['p1'], `r${chain.tip}`))).toMatchObject({ kind: 'signed', txHex: first.kind === 'signed' ? first.txHex : '' });
    expect(signer.signedState().voided).toBeUndefined();
  });
});
