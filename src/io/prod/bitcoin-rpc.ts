// The Bitcoin node over JSON-RPC, as bitcoind speaks it, with the places btcd (the node the tests
// run, in regtest) speaks differently handled here and named:
//   - getblock: bitcoind takes a verbosity int (0 = raw hex); older btcd a verbose bool. We try the
//     int and fall back to `false`.
//   - unspent outputs of a script: bitcoind has scantxoutset (no wallet needed); btcd has none, so we
//     read the address's history with searchrawtransactions (btcd --addrindex), spends included.
//   - fee estimate: bitcoind estimatesmartfee (BTC/kvB); btcd estimatefee (BTC/kB); regtest often
//     has no data, so both fall back to a floor rate.
//   - mining (tests, devnet): bitcoind generatetoaddress; btcd generate (with --miningaddr). btcd
//     refuses a generate while another is running ("Server is already CPU mining"), so ours wait for
//     each other and retry when another client is mining.
//   - "already have it" on sendrawtransaction: bitcoind -27, btcd -25 with "already have"; both are
//     success for us (the same transaction is out there).
import * as bitcoin from 'bitcoinjs-lib';
import { readFileSync } from 'node:fs';
import { type BitcoinBlock, type BitcoinClient, BitcoinRpcError, type UnspentOutput } from '../bitcoin.ts';
import { toHex } from '../../types/hex.ts';

export type BitcoinDialect = 'bitcoind' | 'btcd';

export interface BitcoinRpcOptions {
  readonly url: string;
  /** user/password, or a cookie file (bitcoind's .cookie, "user:password"). */
  readonly auth: { readonly user: string; readonly password: string } | { readonly cookieFile: string };
  readonly dialect: BitcoinDialect;
  readonly network: bitcoin.Network;
  readonly timeoutMs?: number;
  /** sat/vB used when the node has no estimate (regtest). */
  readonly floorFeeRate?: bigint;
}

interface RpcError {
  readonly code: number;
  readonly message: string;
}

/** scantxoutset reads the whole UTXO set: minutes on mainnet, not the 15 s of other calls. */
const SCAN_TIMEOUT_MS = 10 * 60_000;
/** Transactions per searchrawtransactions page (btcd's own limit per call is 10,000). */
const HISTORY_PAGE = 10_000;

/** What btcd's verbose searchrawtransactions gives per transaction, as far as we read it. */
interface AddressTx {
  readonly hex: string;
  /** Absent (or 0) for a mempool transaction. */
  readonly confirmations?: number;
  /** The outputs it spends (a coinbase input has neither). */
  readonly vin: ReadonlyArray<{ readonly txid?: string; readonly vout?: number }>;
}

/** The JSON-RPC error code a failed call carried, if any (call() attaches it). */
const rpcCodeOf = (err: unknown): number | undefined => (err as { rpcCode?: number } | undefined)?.rpcCode;

export class BitcoinRpc implements BitcoinClient {
  private id = 0;

  constructor(private readonly o: BitcoinRpcOptions) {}

  /** Calls the node runs only one at a time, by kind: each waits for the one before it. */
  private readonly lanes = new Map<'scan' | 'mine', Promise<unknown>>();

  private oneAtATime<T>(lane: 'scan' | 'mine', f: () => Promise<T>): Promise<T> {
    const run = (this.lanes.get(lane) ?? Promise.resolve()).then(f);
    this.lanes.set(lane, run.catch(() => undefined));
    return run;
  }

  private authHeader(method: string): string {
    const a = this.o.auth;
    let pair: string;
    try {
      // Read on every call: bitcoind writes a new cookie each time it starts.
      pair = 'cookieFile' in a ? readFileSync(a.cookieFile, 'utf8').trim() : `${a.user}:${a.password}`;
    } catch (err) {
      throw new BitcoinRpcError(method, `cannot read the RPC cookie file: ${(err as Error).message}`);
    }
    return `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  async call<T>(method: string, params: unknown[] = [], timeoutMs = this.o.timeoutMs ?? 15_000): Promise<T> {
    const authorization = this.authHeader(method);
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ jsonrpc: '1.0', id: ++this.id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new BitcoinRpcError(method, `unreachable: ${(err as Error).message}`);
    }
    if (res.status === 401) throw new BitcoinRpcError(method, 'HTTP 401: wrong RPC user/password or cookie');
    const text = await res.text();
    let body: { result?: T; error?: RpcError | null };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new BitcoinRpcError(method, `HTTP ${res.status}: not JSON: ${text.slice(0, 200)}`);
    }
    if (body.error) throw Object.assign(new BitcoinRpcError(method, `${body.error.message} (code ${body.error.code})`, isRejection(body.error)), { rpcCode: body.error.code });
    return body.result as T;
  }

  getBlockCount(): Promise<number> {
    return this.call<number>('getblockcount');
  }

  getBlockHash(height: number): Promise<string> {
    return this.call<string>('getblockhash', [height]);
  }

  async getBlock(hash: string): Promise<BitcoinBlock> {
    let hex: string;
    try {
      hex = await this.call<string>('getblock', [hash, 0]);
    } catch (err) {
      // Older btcd: verbose is a bool.
      if (!(err instanceof BitcoinRpcError) || /not found/i.test(err.message)) throw err;
      hex = await this.call<string>('getblock', [hash, false]);
    }
    const block = bitcoin.Block.fromHex(hex);
    const header = await this.call<{ height: number; previousblockhash?: string }>('getblockheader', [hash, true]);
    return { hash, height: header.height, previousHash: header.previousblockhash ?? '00'.repeat(32), txs: (block.transactions ?? []).map((t) => t.toBuffer()) };
  }

  async getConfirmations(txid: string): Promise<number | undefined> {
    try {
      const r = await this.call<{ confirmations?: number }>('getrawtransaction', [txid, this.o.dialect === 'btcd' ? 1 : true]);
      return r.confirmations ?? 0;
    } catch (err) {
      if (rpcCodeOf(err) === -5) return undefined;
      throw err;
    }
  }

  async getOutput(txid: string, vout: number): Promise<{ amountSats: bigint; scriptPubKey: Uint8Array } | undefined> {
    let hex: string;
    try {
      hex = await this.call<string>('getrawtransaction', [txid, this.o.dialect === 'btcd' ? 0 : false]);
    } catch (err) {
      if (rpcCodeOf(err) === -5) return undefined;
      throw err;
    }
    const o = bitcoin.Transaction.fromHex(hex).outs[vout];
    return o === undefined ? undefined : { amountSats: o.value, scriptPubKey: o.script };
  }

  async listUnspent(scriptPubKey: Uint8Array, minConfirmations: number): Promise<readonly UnspentOutput[]> {
    if (this.o.dialect === 'bitcoind') {
      const tip = await this.getBlockCount();
      // A scan of the whole UTXO set takes minutes on mainnet, and bitcoind runs one at a time
      // (a second gets "Scan already in progress"): one after the other, with a long timeout.
      const r = await this.oneAtATime('scan', () =>
        this.call<{ unspents: Array<{ txid: string; vout: number; amount: number; height: number }> }>('scantxoutset', ['start', [{ desc: `raw(${toHex(scriptPubKey)})` }]], SCAN_TIMEOUT_MS),
      );
      return r.unspents
        .map((u) => ({ txid: u.txid, vout: u.vout, amountSats: btcToSats(u.amount), confirmations: tip - u.height + 1 }))
        .filter((u) => u.confirmations >= minConfirmations);
    }
    // btcd's address index lists every transaction that pays the address or spends from it, the
    // mempool's included: an output is unspent when none of them spends it. One pass over the
    // history, where asking gettxout of each output cost one round trip per deposit ever made.
    const history = await this.addressHistory(bitcoin.address.fromOutputScript(scriptPubKey, this.o.network));
    const spent = new Set<string>();
    for (const t of history) for (const i of t.vin) if (i.txid !== undefined && i.vout !== undefined) spent.add(`${i.txid}:${i.vout}`);
    const out: UnspentOutput[] = [];
    const script = toHex(scriptPubKey);
    for (const t of history) {
      const tx = bitcoin.Transaction.fromHex(t.hex);
      const txid = tx.getId();
      const confirmations = t.confirmations ?? 0;
      for (const [vout, o] of tx.outs.entries()) {
        if (toHex(o.script) === script && !spent.has(`${txid}:${vout}`) && confirmations >= minConfirmations) out.push({ txid, vout, amountSats: o.value, confirmations });
      }
    }
    return out;
  }

  /** Every transaction btcd's address index holds for an address, oldest first, page by page. */
  private async addressHistory(address: string): Promise<AddressTx[]> {
    const all: AddressTx[] = [];
    for (let skip = 0; ; skip += HISTORY_PAGE) {
      let page: AddressTx[];
      try {
        page = await this.call<AddressTx[]>('searchrawtransactions', [address, 1, skip, HISTORY_PAGE]);
      } catch (err) {
        // "No information available" is btcd's answer for an address with no history, or for a page
        // past its end. "Method not found" (-32601) is a node without searchrawtransactions (bitcoind):
        // an error, not "no outputs".
        if (err instanceof BitcoinRpcError && rpcCodeOf(err) !== -32601 && /No information available|not found/i.test(err.message)) return all;
        throw err;
      }
      all.push(...page);
      if (page.length < HISTORY_PAGE) return all;
    }
  }

  async estimateFeeRate(): Promise<bigint> {
    const floor = this.o.floorFeeRate ?? 2n;
    try {
      if (this.o.dialect === 'bitcoind') {
        const r = await this.call<{ feerate?: number }>('estimatesmartfee', [6]);
        return r.feerate === undefined ? floor : maxBig(floor, btcPerKvbToSatPerVb(r.feerate));
      }
      const r = await this.call<number>('estimatefee', [6]);
      return r > 0 ? maxBig(floor, btcPerKvbToSatPerVb(r)) : floor;
    } catch {
      return floor;
    }
  }

  async sendRawTransaction(txHex: string): Promise<string> {
    try {
      return await this.call<string>('sendrawtransaction', [txHex]);
    } catch (err) {
      const code = rpcCodeOf(err);
      if (code === -27 || (err instanceof Error && /already have|already in block chain|txn-already-known/i.test(err.message))) return bitcoin.Transaction.fromHex(txHex).getId();
      throw err;
    }
  }

  /** Mines blocks to `address` (regtest): generatetoaddress on bitcoind, generate on btcd. */
  async mine(blocks: number, address: string): Promise<string[]> {
    if (this.o.dialect === 'bitcoind') return this.call<string[]>('generatetoaddress', [blocks, address]);
    return this.oneAtATime('mine', () => this.generate(blocks));
  }

  private async generate(blocks: number): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<string[]>('generate', [blocks], 120_000);
      } catch (err) {
        // Another client's generate is running; ours would only be refused until it ends.
        if (attempt >= 120 || !(err instanceof Error && /already CPU mining/.test(err.message))) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

const isRejection = (e: RpcError): boolean => e.code === -25 || e.code === -26 || e.code === -22;
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
/** BTC per 1000 (v)bytes, as both nodes report fee rates, to sat/vB rounded up. Exact: `0.00051 * 100_000`
 *  is 51.00000000000001 in floating point, which Math.ceil made 52. */
const btcPerKvbToSatPerVb = (btc: number): bigint => (btcToSats(btc) + 999n) / 1000n;

/** BTC amounts in JSON are decimals with 8 places; parse them exactly, not through a float product. */
export function btcToSats(btc: number): bigint {
  const [whole = '0', frac = ''] = btc.toFixed(8).split('.');
  return BigInt(whole) * 100_000_000n + BigInt(frac.padEnd(8, '0').slice(0, 8));
}
