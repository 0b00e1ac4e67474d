// The Bitcoin node as Alys uses it: read blocks to find deposits, count confirmations, list the
// federation's unspent outputs, estimate fees, broadcast signed peg-outs. Production speaks
// bitcoind's JSON-RPC (btcd in the tests); the simulation answers from a modelled network.

export interface BitcoinBlock {
  readonly hash: string;
  readonly height: number;
  readonly previousHash: string;
  /** Raw transactions, serialized with witnesses. */
  readonly txs: readonly Uint8Array[];
}

export interface UnspentOutput {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly confirmations: number;
}

export class BitcoinRpcError extends Error {
  constructor(
    readonly method: string,
    message: string,
    /** The transaction was refused (invalid, conflicting), not the node unreachable. */
    readonly rejected = false,
  ) {
    super(`${method}: ${message}`);
    this.name = 'BitcoinRpcError';
  }
}

export interface BitcoinClient {
  getBlockCount(): Promise<number>;
  getBlockHash(height: number): Promise<string>;
  getBlock(hash: string): Promise<BitcoinBlock>;
  /** Confirmations of a transaction: 0 in the mempool, undefined when unknown. */
  getConfirmations(txid: string): Promise<number | undefined>;
  /** Unspent outputs paying `scriptPubKey` with at least `minConfirmations`. */
  listUnspent(scriptPubKey: Uint8Array, minConfirmations: number): Promise<readonly UnspentOutput[]>;
  /** An output of a known transaction, spent or not (getrawtransaction; needs txindex on bitcoind). */
  getOutput(txid: string, vout: number): Promise<{ readonly amountSats: bigint; readonly scriptPubKey: Uint8Array } | undefined>;
  /** Fee rate for confirmation within a few blocks, in satoshis per virtual byte. */
  estimateFeeRate(): Promise<bigint>;
  /** Broadcasts a signed transaction; BitcoinRpcError with rejected=true when it is refused. */
  sendRawTransaction(txHex: string): Promise<string>;
}
