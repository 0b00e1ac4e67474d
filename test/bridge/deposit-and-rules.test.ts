// Deposit detection, peg-in consensus rules and the peg-out state machine, as pure functions.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { DepositRejection, scanDeposit } from '../../src/bridge/deposit.ts';
import { checkBlockPegIns, depositToPegIn, withdrawalsFor } from '../../src/bridge/peg-in-rules.ts';
import { IllegalPegTransition, PegOut, decodePegOut, encodePegOut } from '../../src/bridge/peg-operation.ts';
import { decodePegOutLog, encodePegOutLog } from '../../src/bridge/pegout-request.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import { fromHex } from '../../src/types/hex.ts';

const fed = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('d', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 1n }).current;
const evm = '0x' + 'ab'.repeat(20);
const embed = (data: Uint8Array) => bitcoin.payments.embed({ data: [data] }).output as Uint8Array;

function tx(outs: Array<[Uint8Array, bigint]>): bitcoin.Transaction {
  const t = new bitcoin.Transaction();
  t.addInput(new Uint8Array(32).fill(1), 0);
  for (const [script, value] of outs) t.addOutput(script, value);
  return t;
}

describe('deposits', () => {
  it('finds a deposit with a raw or hex-text EVM address', () => {
    for (const payload of [fromHex(evm), new TextEncoder().encode(evm)]) {
      const r = scanDeposit(tx([[fed.scriptPubKey, 100_000n], [embed(payload), 0n]]), [fed]);
      expect(r).toMatchObject({ kind: 'deposits', deposits: [{ vout: 0, amountSats: 100_000n, evmAddress: evm }] });
    }
  });

  it('names what is wrong with a malformed one, and ignores what does not pay the federation', () => {
    expect(scanDeposit(tx([[fed.scriptPubKey, 1n]]), [fed])).toMatchObject({ kind: 'rejected', reason: DepositRejection.MISSING_OP_RETURN });
    expect(scanDeposit(tx([[fed.scriptPubKey, 1n], [embed(new Uint8Array(7)), 0n]]), [fed])).toMatchObject({ kind: 'rejected', reason: DepositRejection.MALFORMED_OP_RETURN });
    expect(scanDeposit(tx([[fed.scriptPubKey, 1n], [embed(fromHex(evm)), 0n], [embed(fromHex(evm)), 0n]]), [fed])).toMatchObject({ kind: 'rejected', reason: DepositRejection.SEVERAL_OP_RETURNS });
    expect(scanDeposit(tx([[fed.scriptPubKey, 0n], [embed(fromHex(evm)), 0n]]), [fed])).toMatchObject({ kind: 'rejected', reason: DepositRejection.ZERO_AMOUNT });
    expect(scanDeposit(new Uint8Array([1, 2, 3]), [fed])).toMatchObject({ kind: 'rejected', reason: DepositRejection.UNDECODABLE_TX });
    expect(scanDeposit(tx([[embed(fromHex(evm)), 0n]]), [fed])).toEqual({ kind: 'not-a-deposit' });
  });
});

describe('peg-in rules', () => {
  const pegIn = depositToPegIn({ txid: 'cd'.repeat(32), vout: 1, amountSats: 12_345n, evmAddress: evm, federationVersion: 1 });
  const block = (withdrawals = withdrawalsFor([pegIn], 7)) => ({ height: 7, pegIns: [pegIn], executionPayload: { withdrawals } });

  it('mints 10 gwei per satoshi, one withdrawal per peg-in', () => {
    expect(withdrawalsFor([pegIn], 7)[0]?.amount).toBe(123_450);
    expect(checkBlockPegIns(block(), new Set())).toBeUndefined();
  });

  it('refuses extra withdrawals, altered amounts and a second mint', () => {
    const w = withdrawalsFor([pegIn], 7);
    expect(checkBlockPegIns(block([...w, ...w]), new Set())).toMatch(/only peg-ins may mint/);
    expect(checkBlockPegIns(block([{ ...(w[0] as (typeof w)[number]), amount: 999_999 }]), new Set())).toMatch(/does not match/);
    expect(checkBlockPegIns(block(), new Set([`${'cd'.repeat(32)}:1`]))).toMatch(/minted twice/);
    expect(checkBlockPegIns({ height: 7, pegIns: [], executionPayload: { withdrawals: w } }, new Set())).toMatch(/only peg-ins may mint/);
  });
});

describe('peg-out operations', () => {
  const op = PegOut.confirm(PegOut.create({ id: 'p', burnTxHash: '0x1', blockHeight: 3, destination: 'bcrt1x', amountSats: 5n }));

  it('moves forward only along legal transitions', () => {
    expect(() => PegOut.broadcast(op)).toThrow(IllegalPegTransition);
    const requested = PegOut.requestSignature(op, '00', [], 'p#1');
    expect(() => PegOut.complete(PegOut.create({ id: 'q', burnTxHash: '', blockHeight: 0, destination: '', amountSats: 1n }))).toThrow(IllegalPegTransition);
    const signed = PegOut.signed(requested, 'ff', 'tx', '00', []);
    expect(PegOut.complete(PegOut.broadcast(signed)).status).toBe('completed');
    expect(() => PegOut.retry(PegOut.fail(op, 'no', false))).toThrow(IllegalPegTransition);
    // A refusal is final, with its reason; only a burn not yet asked for is refused.
    const refused = PegOut.refuse(op, 'PEGOUT_PAYOUT_BELOW_DUST', 'would receive 100 satoshis');
    expect(refused).toMatchObject({ status: 'refused', refusal: { reason: 'PEGOUT_PAYOUT_BELOW_DUST' } });
    expect(() => PegOut.confirm(refused)).toThrow(IllegalPegTransition);
    expect(() => PegOut.refuse(requested, 'x', 'y')).toThrow(IllegalPegTransition);
  });

  it('survives its own encoding, amounts included', () => {
    const r = PegOut.requestSignature(op, '00', [{ txid: 'a', vout: 0, amountSats: 2n ** 60n, witnessScriptHex: 'aa' }], 'p#1');
    expect(decodePegOut(encodePegOut(r))).toEqual(r);
  });
});

describe('RequestPegOut logs', () => {
  it('decode through the ABI, and bad ones are named', () => {
    const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(4), network: bitcoin.networks.regtest }).address as string;
    const log = (destination: string, wei: bigint) => ({ address: '0xbb', ...encodePegOutLog(evm as `0x${string}`, destination, wei), transactionHash: '0x12', logIndex: 0 });
    expect(decodePegOutLog(log(dest, 20_000n * 10n ** 10n), 'regtest', 10_000n)).toMatchObject({ ok: true, request: { destination: dest, amountSats: 20_000n } });
    expect(decodePegOutLog(log('nonsense', 20_000n * 10n ** 10n), 'regtest', 10_000n)).toMatchObject({ ok: false, reason: 'PEGOUT_BAD_DESTINATION' });
    // A refusal carries what the node records and getpegout shows: the burn's id, destination, amount.
    expect(decodePegOutLog(log(dest, 10n ** 10n), 'regtest', 10_000n)).toMatchObject({ ok: false, reason: 'PEGOUT_BELOW_MINIMUM', id: '0x12:0', burnTxHash: '0x12', destination: dest, amountSats: 1n });
    expect(decodePegOutLog({ ...log(dest, 1n), data: '0x1234' }, 'regtest', 1n)).toMatchObject({ ok: false, reason: 'PEGOUT_UNDECODABLE_LOG' });
  });
});
