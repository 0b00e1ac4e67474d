// The bridge's Bitcoin client: federation outputs less rejected deposits', judged by a scanner asked
// only after Bitcoin listed them, and nothing at all while the scanner is behind.
import { describe, expect, it } from 'vitest';
import type { BitcoinClient, UnspentOutput } from '../../src/io/bitcoin.ts';
import { ScannerBehindError, spendableOnly } from '../../src/node/spendable-bitcoin.ts';

function fakeBitcoin(utxos: UnspentOutput[], calls: string[]): BitcoinClient {
  const no = (): never => {
    throw new Error('not used');
  };
  return {
    getBlockCount: async () => 7,
    getBlockHash: no,
    getBlock: no,
    getConfirmations: no,
    getOutput: no,
    estimateFeeRate: async () => 1n,
    sendRawTransaction: no,
    listUnspent: async () => {
      calls.push('listUnspent');
      return utxos;
    },
  };
}

const u = (txid: string, vout = 0): UnspentOutput => ({ txid, vout, amountSats: 1_000n, confirmations: 1 });

describe('spendableOnly', () => {
  it('leaves out every output of a rejected deposit, asking the scanner after Bitcoin listed them', async () => {
    const calls: string[] = [];
    const client = spendableOnly(fakeBitcoin([u('aa'), u('bb', 0), u('bb', 1), u('cc')], calls), async () => {
      calls.push('classified');
      return { rejected: ['bb'], upToDate: true };
    });
    expect((await client.listUnspent(new Uint8Array(34), 1)).map((x) => `${x.txid}:${x.vout}`)).toEqual(['aa:0', 'cc:0']);
    expect(calls).toEqual(['listUnspent', 'classified']);
    expect(await client.getBlockCount()).toBe(7);
  });

  it('lists nothing while the scanner has not read Bitcoin up to date', async () => {
    const client = spendableOnly(fakeBitcoin([u('aa')], []), async () => ({ rejected: [], upToDate: false }));
    await expect(client.listUnspent(new Uint8Array(34), 1)).rejects.toBeInstanceOf(ScannerBehindError);
  });
});
