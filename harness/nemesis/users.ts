// The nemesis's users: they deposit on btcd (a P2WSH output to the federation's current address and
// an OP_RETURN naming their EVM address, paid from the dev miner's matured coinbases) and burn on
// Geth (viem, the bridge contract's requestPegOut(bytes)) throughout the run, and keep the ledger of
// what they did that the peg's invariants judge against. A deposit is in the ledger once btcd took
// it (re-sent while unconfirmed, as a wallet would after btcd lost its mempool); a burn once a
// receipt shows it in a block (a burn Geth never included is not a burn).
import { createHash } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import { type Hex, createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { BitcoinRpc } from '../../src/io/prod/bitcoin-rpc.ts';
import { WEI_PER_SAT } from '../../src/bridge/amounts.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import type { LedgerBurn, LedgerDeposit } from '../../sim/bridge/shared.ts';
import { requestPegOut } from '../bridge-contract.ts';
import { DEV_MINER, DEV_MINER_ADDRESS } from '../btcd.ts';
import { DEV_CHAIN_ID } from '../geth.ts';
import type { SeededRng } from '../../src/kernel/rng.ts';

const regtest = bitcoin.networks.regtest;
const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;

export interface NemesisUser {
  readonly address: string;
  readonly key: Hex;
  /** Index of the node whose Geth this user sends its burns to. */
  readonly geth: number;
}

interface SentBurn {
  readonly hash: string;
  readonly user: NemesisUser;
  readonly destination: string;
  readonly wei: bigint;
  readonly sentAtMs: number;
  included: boolean;
}

export class NemesisLedger {
  readonly deposits: LedgerDeposit[] = [];
  readonly burns: LedgerBurn[] = [];
}

const sha = (s: string): Uint8Array => Uint8Array.from(createHash('sha256').update(s).digest());

export function nemesisUsers(seed: string, count: number, nodes: number): NemesisUser[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `0x${toHex(sha(`nemesis-user:${seed}:${i}`))}` as Hex;
    return { key, address: privateKeyToAccount(key).address.toLowerCase(), geth: i % nodes };
  });
}

export interface UserDriverDeps {
  readonly rng: SeededRng;
  readonly users: readonly NemesisUser[];
  readonly ledger: NemesisLedger;
  /** btcd's RPC now (it is replaced when btcd restarts). */
  readonly bitcoin: () => BitcoinRpc;
  /** The federation's current deposit address and version. */
  readonly federation: () => { readonly address: string; readonly version: number };
  /** Each node's Geth plain JSON-RPC URL. */
  readonly gethRpc: readonly string[];
  readonly now: () => number;
  readonly log: (line: string) => void;
}

async function ethCall<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(5_000) });
  const body = (await r.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export class UserDriver {
  private nextCoinbase = 1;
  private burnCount = 0;
  private readonly unconfirmed = new Map<string, string>();
  private readonly sent: SentBurn[] = [];
  readonly counts = { depositsSent: 0, burnsSent: 0, burnsIncluded: 0, depositErrors: 0, burnErrors: 0 };

  constructor(private readonly d: UserDriverDeps) {}

  /** One deposit from the next matured coinbase, if there is one. */
  async deposit(): Promise<void> {
    const rpc = this.d.bitcoin();
    const tip = await rpc.getBlockCount();
    if (tip < this.nextCoinbase + 100) return;
    const height = this.nextCoinbase++;
    const coinbase = bitcoin.Transaction.fromBuffer((await rpc.getBlock(await rpc.getBlockHash(height))).txs[0] as Uint8Array);
    const vout = coinbase.outs.findIndex((o) => toHex(o.script) === toHex(minerScript));
    if (vout < 0) return;
    const value = (coinbase.outs[vout] as bitcoin.Transaction['outs'][number]).value;
    const user = this.d.rng.pick(this.d.users);
    const sats = BigInt(this.d.rng.range(2_000_000, 6_000_000));
    const fed = this.d.federation();
    const psbt = new bitcoin.Psbt({ network: regtest });
    psbt.addInput({ hash: coinbase.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
    psbt.addOutput({ address: fed.address, value: sats });
    psbt.addOutput({ script: bitcoin.payments.embed({ data: [fromHex(user.address)] }).output as Uint8Array, value: 0n });
    psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - sats - 10_000n });
    psbt.signInput(0, DEV_MINER);
    psbt.finalizeAllInputs();
    const tx = psbt.extractTransaction();
    const txid = tx.getId();
    // In the ledger before it is sent: btcd may take it and die before answering.
    this.d.ledger.deposits.push({ txid, vout: 0, amountSats: sats, evmAddress: user.address, valid: true, federationVersion: fed.version, sentAtMs: this.d.now() });
    this.unconfirmed.set(txid, tx.toHex());
    this.counts.depositsSent++;
    await rpc.sendRawTransaction(tx.toHex()).catch((err: Error) => {
      this.counts.depositErrors++;
      this.d.log(`nemesis: deposit ${txid.slice(0, 12)} not taken yet (${err.message.slice(0, 80)}); re-sent until confirmed`);
    });
  }

  /** Re-sends deposits btcd has not confirmed (it loses its mempool when killed). */
  async resendUnconfirmed(): Promise<void> {
    const rpc = this.d.bitcoin();
    for (const [txid, hex] of [...this.unconfirmed]) {
      const c = await rpc.getConfirmations(txid).catch(() => undefined);
      if (c !== undefined && c > 0) {
        this.unconfirmed.delete(txid);
        continue;
      }
      await rpc.sendRawTransaction(hex).catch(() => undefined);
    }
  }

  /** One burn by a user with enough minted balance and no burn in flight. */
  async burn(): Promise<void> {
    const busy = new Set(this.sent.filter((b) => !b.included && this.d.now() - b.sentAtMs < 90_000).map((b) => b.user.address));
    const free = this.d.users.filter((u) => !busy.has(u.address));
    if (free.length === 0) return;
    const user = this.d.rng.pick(free);
    const url = this.d.gethRpc[user.geth] as string;
    const sats = BigInt(this.d.rng.range(1_000_000, 1_500_000));
    const wei = sats * WEI_PER_SAT;
    const balance = BigInt(await ethCall<string>(url, 'eth_getBalance', [user.address, 'latest']));
    if (balance < wei + 10n ** 16n) return;
    const k = this.burnCount++;
    const destination = bitcoin.payments.p2wpkh({ hash: sha(`nemesis-burn:${user.address}:${k}`).subarray(0, 20), network: regtest }).address as string;
    const chain = defineChain({ id: DEV_CHAIN_ID, name: 'alys-dev', nativeCurrency: { name: 'BTC', symbol: 'BTC', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
    const wallet = createWalletClient({ account: privateKeyToAccount(user.key), chain, transport: http(url, { timeout: 10_000, retryCount: 0 }) });
    try {
      const hash = await requestPegOut(wallet, destination, wei);
      this.sent.push({ hash: hash.toLowerCase(), user, destination, wei, sentAtMs: this.d.now(), included: false });
      this.counts.burnsSent++;
    } catch (err) {
      this.counts.burnErrors++;
      this.d.log(`nemesis: burn by ${user.address.slice(0, 10)} not sent: ${(err as Error).message.split('\n')[0]?.slice(0, 100)}`);
    }
  }

  /** Puts each burn a receipt shows succeeded into the ledger, once. */
  async pollReceipts(): Promise<void> {
    for (const b of this.sent) {
      if (b.included) continue;
      const r = await ethCall<{ status: string } | null>(this.d.gethRpc[b.user.geth] as string, 'eth_getTransactionReceipt', [b.hash]).catch(() => null);
      if (r !== null) this.included(b.hash, r.status === '0x1');
    }
  }

  /** A receipt of a burn was seen (here or by the judge on any node's Geth): the ledger learns of it once. */
  included(hash: string, success: boolean): void {
    const b = this.sent.find((x) => x.hash === hash.toLowerCase());
    if (b === undefined || b.included) return;
    b.included = true;
    if (!success) return;
    this.counts.burnsIncluded++;
    this.d.ledger.burns.push({ id: b.hash, from: b.user.address, destination: b.destination, wei: b.wei, sentAtMs: this.d.now() });
  }

  /** Every burn transaction sent (the judge reads each node's receipts of them). */
  sentBurns(): ReadonlyArray<{ readonly hash: string; readonly from: string }> {
    return this.sent.map((b) => ({ hash: b.hash, from: b.user.address }));
  }
}
