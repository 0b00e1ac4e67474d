// What getpegout, getdeposit, status.pegs and the peg metrics report, from the node's views.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import { PegOut } from '../../src/bridge/peg-operation.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { depositReport, pegCounters, pegOutReport, pegsStatus } from '../../src/node/peg-report.ts';

const dest = bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(3), network: bitcoin.networks.regtest }).address as string;
const burn = `0x${'ab'.repeat(32)}`;

function paidOp(): ReturnType<typeof PegOut.create> {
  const tx = new bitcoin.Transaction();
  tx.addInput(new Uint8Array(32).fill(1), 0);
  tx.addOutput(bitcoin.address.toOutputScript(dest, bitcoin.networks.regtest), 1_990_000n);
  tx.addOutput(new Uint8Array([0x00, 0x14, ...new Uint8Array(20)]), 7_000n);
  const inputs = [{ txid: '01'.repeat(32), vout: 0, amountSats: 2_000_000n, witnessScriptHex: 'aa' }];
  const op = PegOut.confirm(PegOut.create({ id: `${burn}:0`, burnTxHash: burn, blockHeight: 5, destination: dest, amountSats: 1_993_000n }));
  const signed = PegOut.signed(PegOut.requestSignature(op, tx.toHex(), inputs, 'r'), tx.toHex(), tx.getId(), tx.toHex(), inputs);
  return PegOut.complete(PegOut.broadcast(signed));
}

describe('peg reports', () => {
  const refused = PegOut.refuse(PegOut.create({ id: '0xcd:1', burnTxHash: '0xcd', blockHeight: 6, destination: 'nonsense', amountSats: 5n }), 'PEGOUT_BAD_DESTINATION', "'nonsense' is not a regtest Bitcoin address");
  const view: BridgeView = { recovered: true, operations: [paidOp(), refused], paused: false, federationVersion: 1, federationAddress: 'bcrt1qfederation' };
  const chain = { finalized: ['g', 'b1'], mintedIn: new Map([['b1', ['aa:0', 'bb:1']]]) } as unknown as ChainView;

  it('getpegout: state, payout txid and its fee; or refused with the reason', () => {
    const [paid] = pegOutReport(view, burn.toUpperCase().replace('0X', '0x')) ?? [];
    expect(paid).toMatchObject({ state: 'completed', feeSats: '3000', amountSats: '1993000' });
    expect(typeof paid?.payoutTxid).toBe('string');
    expect(pegOutReport(view, '0xcd')).toEqual([expect.objectContaining({ state: 'refused', refused: { reason: 'PEGOUT_BAD_DESTINATION', detail: expect.stringContaining('nonsense') }, feeSats: null })]);
    expect(pegOutReport(view, '0xee')).toBeNull();
  });

  it('getdeposit: minted in which block, or rejected with the reason, or unknown', () => {
    const found = depositReport({ kind: 'found', deposits: [{ txid: 'aa', vout: 0, amountSats: 10n, evmAddress: '0x01' } as never], height: 100, confirmations: 7 }, chain, 6);
    expect(found).toMatchObject({ state: 'found', confirmations: 7, requiredConfirmations: 6, deposits: [{ vout: 0, mintedInBlock: 'b1', finalized: true }] });
    expect(depositReport({ kind: 'rejected', reason: 'DEPOSIT_MISSING_OP_RETURN', detail: 'no OP_RETURN', height: 90, confirmations: 17 }, chain, 6)).toMatchObject({ state: 'rejected', reason: 'DEPOSIT_MISSING_OP_RETURN' });
    expect(depositReport({ kind: 'unknown', scannedHeight: 120 }, chain, 6)).toEqual({ state: 'unknown', scannedHeight: 120 });
  });

  it('counts deposits and peg-outs for status and /metrics', () => {
    const c = pegCounters(view, { scannedHeight: 1, tip: 1, found: 3, rejected: { DEPOSIT_MISSING_OP_RETURN: 2 } }, chain);
    expect(c).toEqual({ depositsFound: 3, depositsMinted: 2, depositsRejected: { DEPOSIT_MISSING_OP_RETURN: 2 }, pegOutsByState: { completed: 1, refused: 1 }, pegOutsRefused: { PEGOUT_BAD_DESTINATION: 1 }, payoutFeesSats: 3_000n });
    expect(pegsStatus(view, c)).toMatchObject({ pegIns: { found: 3, minted: 2, rejected: 2 }, pegOuts: { operations: 2, completed: 1, refused: 1 } });
  });
});
