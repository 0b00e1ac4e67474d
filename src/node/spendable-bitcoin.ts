// The Bitcoin client the bridge spends through: the federation's unspent outputs, less those of
// deposits the peg-in scanner rejected (they are their depositors', to be refunded). The scanner is
// asked after Bitcoin has listed the outputs, and reads Bitcoin up to date before it answers, so
// every output listed is one it has judged: a deposit in a block the bridge sees before the scanner
// does can no longer slip into a payout or a consolidation.
import type { BitcoinClient } from '../io/bitcoin.ts';

export interface Classified {
  /** Txids of rejected deposits. */
  readonly rejected: readonly string[];
  /** False when the scanner could not read Bitcoin up to date: nothing can be told apart then. */
  readonly upToDate: boolean;
}

export class ScannerBehindError extends Error {
  constructor() {
    super('the peg-in scanner has not read Bitcoin up to date: federation outputs cannot yet be told from rejected deposits');
    this.name = 'ScannerBehindError';
  }
}

export function spendableOnly(inner: BitcoinClient, classified: () => Promise<Classified>): BitcoinClient {
  return {
    getBlockCount: () => inner.getBlockCount(),
    getBlockHash: (height) => inner.getBlockHash(height),
    getBlock: (hash) => inner.getBlock(hash),
    getConfirmations: (txid) => inner.getConfirmations(txid),
    getOutput: (txid, vout) => inner.getOutput(txid, vout),
    estimateFeeRate: () => inner.estimateFeeRate(),
    sendRawTransaction: (txHex) => inner.sendRawTransaction(txHex),
    listUnspent: async (scriptPubKey, minConfirmations) => {
      const utxos = await inner.listUnspent(scriptPubKey, minConfirmations);
      const c = await classified();
      if (!c.upToDate) throw new ScannerBehindError();
      const rejected = new Set(c.rejected);
      return utxos.filter((u) => !rejected.has(u.txid));
    },
  };
}
