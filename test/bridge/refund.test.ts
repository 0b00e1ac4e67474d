// The refund of a rejected deposit without a network: the depositor's BIP-137 proof, the node's and
// governance's checks of it, the refund transaction governance signs (once per output), and the
// witnesses the node verifies before it broadcasts.
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { scriptOfAddress } from '../../src/bridge/federation.ts';
import { checkRefundClaim, messageDigest, recoverSigner, refundMessage, signMessage } from '../../src/bridge/refund-proof.ts';
import { buildRefundTx } from '../../src/bridge/refund-tx.ts';
import { applyWitnesses } from '../../src/bridge/witness.ts';
import type { SignatureRequest } from '../../src/governance/messages.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';

const ECPair = ECPairFactory(ecc);
const regtest = bitcoin.networks.regtest;
const depositor = ECPair.fromPrivateKey(new Uint8Array(32).fill(0x21));
const stranger = ECPair.fromPrivateKey(new Uint8Array(32).fill(0x22));
const refundTo = bitcoin.payments.p2wpkh({ pubkey: depositor.publicKey, network: regtest }).address as string;
const elsewhere = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(7), network: regtest }).address as string;

function setup() {
  const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('refund', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 50_000n });
  return { signer, fed: signer.current };
}

/** A deposit from the depositor's P2WPKH output, signed: `opReturn` names an EVM address or not. */
function depositTx(fedScript: Uint8Array, sats: bigint, opReturn?: Uint8Array): bitcoin.Transaction {
  const script = bitcoin.payments.p2wpkh({ pubkey: depositor.publicKey, network: regtest }).output as Uint8Array;
  const psbt = new bitcoin.Psbt({ network: regtest });
  psbt.addInput({ hash: 'ab'.repeat(32), index: 0, witnessUtxo: { script, value: sats + 10_000n } });
  psbt.addOutput({ script: fedScript, value: sats });
  if (opReturn !== undefined) psbt.addOutput({ script: bitcoin.payments.embed({ data: [opReturn] }).output as Uint8Array, value: 0n });
  psbt.signInput(0, depositor);
  psbt.finalizeAllInputs();
  return psbt.extractTransaction();
}

function refundRequest(signer: FederationSigner, tx: bitcoin.Transaction, address: string, signature: string, id = 'refund:1'): SignatureRequest {
  const fed = signer.current;
  const built = buildRefundTx({ txid: tx.getId(), vout: 0, amountSats: tx.outs[0]?.value ?? 0n, witnessScript: fed.witnessScript, threshold: fed.threshold, outputScript: scriptOfAddress(address, 'regtest'), feeRateSatPerVb: 2n });
  if (!built.ok) throw new Error(built.error);
  return {
    requestId: id,
    txHex: built.tx.toHex(),
    inputs: [{ index: 0, amountSats: tx.outs[0]?.value ?? 0n, witnessScriptHex: toHex(fed.witnessScript) }],
    pegOutIds: [],
    refund: { depositTxHex: tx.toHex(), vout: 0, address, signature },
  };
}

describe('the refund proof (BIP-137 signed message)', () => {
  it('matches a published Bitcoin signed-message vector (bitcoinjs-message README, compressed P2PKH)', () => {
    const wif = ECPair.fromWIF('L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1');
    const r = recoverSigner('This is an example of a signed message.', 'H9L5yLFjti0QTHhPyFrZCT1V/MMnBtXKmoiKDZ78NDBjERki6ZTQZdSMCtkgoNmp17By9ItJr8o7ChX0XxY91nk=');
    expect(r.ok && toHex(r.publicKey)).toBe(toHex(wif.publicKey));
    expect(r.ok && r.kind).toBe('p2pkh');
  });

  it('recovers the signing key of a message it signs, and another key for another message', () => {
    const m = refundMessage('cd'.repeat(32), 0, refundTo);
    const sig = signMessage(depositor.privateKey as Uint8Array, m);
    const r = recoverSigner(m, sig);
    expect(r.ok && toHex(r.publicKey)).toBe(toHex(depositor.publicKey));
    expect(r.ok && r.kind).toBe('p2wpkh');
    const other = recoverSigner(refundMessage('cd'.repeat(32), 0, elsewhere), sig);
    expect(other.ok && toHex(other.publicKey)).not.toBe(toHex(depositor.publicKey));
    expect(messageDigest('a')).toHaveLength(32);
    expect(recoverSigner(m, 'not base64!')).toMatchObject({ ok: false, error: 'the signature is not base64' });
    expect(recoverSigner(m, Buffer.alloc(64).toString('base64'))).toMatchObject({ ok: false });
  });

  it('holds for a rejected deposit signed by its input key, and names what is wrong otherwise', () => {
    const { fed } = setup();
    const tx = depositTx(fed.scriptPubKey, 300_000n);
    const txid = tx.getId();
    const claim = (address: string, key = depositor, message = refundMessage(txid, 0, address)) => ({ depositTxHex: tx.toHex(), vout: 0, address, signature: signMessage(key.privateKey as Uint8Array, message) });
    const ok = checkRefundClaim(claim(refundTo), [fed], 'regtest', txid);
    expect(ok).toMatchObject({ ok: true, claim: { txid, vout: 0, amountSats: 300_000n, reason: 'DEPOSIT_MISSING_OP_RETURN' } });
    expect(checkRefundClaim(claim(refundTo, stranger), [fed], 'regtest')).toMatchObject({ ok: false, error: expect.stringMatching(/^bad refund proof: .* is not signed by the key of any input/) });
    // A signature for another address does not move the refund to this one.
    expect(checkRefundClaim(claim(elsewhere, depositor, refundMessage(txid, 0, refundTo)), [fed], 'regtest')).toMatchObject({ ok: false, error: expect.stringMatching(/^bad refund proof/) });
    expect(checkRefundClaim({ ...claim(refundTo), vout: 1 }, [fed], 'regtest')).toMatchObject({ ok: false, error: `output 1 of ${txid} pays no federation address` });
    expect(checkRefundClaim(claim('tb1notanaddress'), [fed], 'regtest')).toMatchObject({ ok: false, error: expect.stringContaining('is not a regtest Bitcoin address') });
    expect(checkRefundClaim(claim(refundTo), [fed], 'regtest', 'ee'.repeat(32))).toMatchObject({ ok: false, error: `the deposit transaction is ${txid}, not ${'ee'.repeat(32)}` });
    const valid = depositTx(fed.scriptPubKey, 300_000n, fromHex('6b'.repeat(20)));
    expect(checkRefundClaim({ ...claim(refundTo), depositTxHex: valid.toHex() }, [fed], 'regtest')).toMatchObject({ ok: false, error: `${valid.getId()} is not a rejected deposit (it is a valid deposit, minted on Alys)` });
  });
});

describe('governance signs a refund', () => {
  it('once, to the proven address, for the deposit less a fee; the witnesses verify', () => {
    const { signer, fed } = setup();
    const tx = depositTx(fed.scriptPubKey, 300_000n);
    const sig = signMessage(depositor.privateKey as Uint8Array, refundMessage(tx.getId(), 0, refundTo));
    const req = refundRequest(signer, tx, refundTo, sig);
    const res = signer.sign(req);
    expect(res.kind).toBe('signed');
    if (res.kind !== 'signed') return;
    const applied = applyWitnesses(res.txHex, [{ amountSats: 300_000n, witnessScript: fed.witnessScript }], res.witnesses);
    expect(applied.ok).toBe(true);
    if (!applied.ok) return;
    expect(toHex(applied.tx.outs[0]?.script ?? new Uint8Array())).toBe(toHex(scriptOfAddress(refundTo, 'regtest')));
    const fee = 300_000n - (applied.tx.outs[0]?.value ?? 0n);
    expect(fee).toBeGreaterThan(0n);
    expect(fee).toBeLessThan(2_000n);
    // Asked again: the same transaction. Asked to refund it elsewhere (a second proven address): refused.
    expect(signer.sign({ ...req, requestId: 'refund:2' })).toMatchObject({ kind: 'signed', txHex: res.txHex });
    const key2 = ECPair.fromPrivateKey(new Uint8Array(32).fill(0x21));
    const sig2 = signMessage(key2.privateKey as Uint8Array, refundMessage(tx.getId(), 0, elsewhere));
    expect(signer.sign(refundRequest(signer, tx, elsewhere, sig2, 'refund:3'))).toMatchObject({ kind: 'refused', reason: 'input-already-signed' });
  });

  it('refuses a bad proof, a valid deposit, and a transaction paying anyone else', () => {
    const { signer, fed } = setup();
    const tx = depositTx(fed.scriptPubKey, 300_000n);
    const bad = signMessage(stranger.privateKey as Uint8Array, refundMessage(tx.getId(), 0, refundTo));
    expect(signer.sign(refundRequest(signer, tx, refundTo, bad))).toMatchObject({ kind: 'refused', reason: 'bad-refund', detail: expect.stringMatching(/^bad refund proof/) });
    const valid = depositTx(fed.scriptPubKey, 300_000n, fromHex('6b'.repeat(20)));
    const sigValid = signMessage(depositor.privateKey as Uint8Array, refundMessage(valid.getId(), 0, refundTo));
    expect(signer.sign(refundRequest(signer, valid, refundTo, sigValid))).toMatchObject({ kind: 'refused', reason: 'bad-refund', detail: expect.stringContaining('is not a rejected deposit') });
    // The proof names refundTo, the transaction pays elsewhere.
    const good = signMessage(depositor.privateKey as Uint8Array, refundMessage(tx.getId(), 0, refundTo));
    const req = refundRequest(signer, tx, elsewhere, good);
    expect(signer.sign({ ...req, refund: { ...(req.refund as NonNullable<SignatureRequest['refund']>), address: refundTo } })).toMatchObject({ kind: 'refused', reason: 'bad-refund', detail: 'a refund pays exactly one output, to the proven address' });
    // A transaction spending another federation output than the one proven.
    const other = refundRequest(signer, tx, refundTo, good);
    const t = bitcoin.Transaction.fromHex(other.txHex);
    (t.ins[0] as bitcoin.Transaction['ins'][number]).index = 1;
    expect(signer.sign({ ...other, txHex: t.toHex() })).toMatchObject({ kind: 'refused' });
    expect(Object.keys(signer.signedState().signedTx)).toHaveLength(0);
  });
});
