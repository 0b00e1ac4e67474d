// The real devnet's users, so that its status line shows the peg working as the simulated devnet's
// does: every few seconds a deposit on btcd (the dev miner's matured coinbase to the federation, an
// OP_RETURN naming the dev EVM account; one in eight without one, which the nodes reject) and, once
// deposits are minted, a burn on Geth made as a wallet makes it (viem, `requestPegOut(bytes)` with
// the bridge contract's ABI) to a fresh Bitcoin address. Burns take less than deposits bring, so
// the federation can always pay. Each action is one line through `print`; failures too, never a throw.
import * as bitcoin from 'bitcoinjs-lib';
import { createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { fromHex, toHex } from '../src/types/hex.ts';
import { requestPegOut } from './bridge-contract.ts';
import { DEV_MINER, DEV_MINER_ADDRESS, type BtcdProcess } from './btcd.ts';
import { DEV_CHAIN_ID, DEV_USER_ADDRESS, DEV_USER_KEY } from './geth.ts';

const regtest = bitcoin.networks.regtest;
const COINBASE_MATURITY = 100;

export interface DevnetUsersOptions {
  readonly btcd: BtcdProcess;
  /** Any node's Geth: burns go there. */
  readonly gethRpcUrl: string;
  readonly federationAddress: string;
  readonly minPegOutSats: bigint;
  /** Minted deposits as the nodes report them: burns start once there is one. */
  readonly minted: () => Promise<number>;
  readonly print: (line: string) => void;
  /** One action per tick, deposits and burns in turn (default 3 s). */
  readonly everyMs?: number;
  readonly depositSats?: bigint;
}

export function startDevnetUsers(o: DevnetUsersOptions): { stop: () => Promise<void> } {
  const chain = defineChain({ id: DEV_CHAIN_ID, name: 'alys-devnet', nativeCurrency: { name: 'BTC', symbol: 'BTC', decimals: 18 }, rpcUrls: { default: { http: [o.gethRpcUrl] } } });
  const wallet = createWalletClient({ account: privateKeyToAccount(DEV_USER_KEY), chain, transport: http(o.gethRpcUrl) });
  const fedScript = bitcoin.address.toOutputScript(o.federationAddress, regtest);
  const minerScript = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: regtest }).output as Uint8Array;
  const depositSats = o.depositSats ?? 5_000_000n;
  let nextCoinbase = 1;
  let deposits = 0;
  let on = true;
  let wake: () => void = () => undefined;

  async function deposit(): Promise<void> {
    const tip = await o.btcd.rpc.getBlockCount();
    if (nextCoinbase + COINBASE_MATURITY > tip) return;
    const height = nextCoinbase++;
    const coinbase = bitcoin.Transaction.fromBuffer((await o.btcd.rpc.getBlock(await o.btcd.rpc.getBlockHash(height))).txs[0] as Uint8Array);
    const vout = coinbase.outs.findIndex((x) => toHex(x.script) === toHex(minerScript));
    if (vout < 0) return;
    const value = (coinbase.outs[vout] as bitcoin.Transaction['outs'][number]).value;
    const rejected = ++deposits % 8 === 0;
    const psbt = new bitcoin.Psbt({ network: regtest });
    psbt.addInput({ hash: coinbase.getId(), index: vout, witnessUtxo: { script: minerScript, value } });
    psbt.addOutput({ script: fedScript, value: depositSats });
    if (!rejected) psbt.addOutput({ script: bitcoin.payments.embed({ data: [fromHex(DEV_USER_ADDRESS)] }).output as Uint8Array, value: 0n });
    psbt.addOutput({ address: DEV_MINER_ADDRESS, value: value - depositSats - 10_000n });
    psbt.signInput(0, DEV_MINER);
    psbt.finalizeAllInputs();
    const txid = await o.btcd.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
    o.print(`devnet: user deposited ${depositSats} sat on btcd ${txid}${rejected ? ' without an OP_RETURN (the nodes reject it: getdeposit says why)' : ` for ${DEV_USER_ADDRESS}`}`);
  }

  async function burn(): Promise<void> {
    if ((await o.minted()) === 0) return;
    // Whole satoshis between the minimum and half again more, to a fresh address.
    const sats = o.minPegOutSats + BigInt(Math.floor(Math.random() * Number(o.minPegOutSats / 2n)));
    const destination = bitcoin.payments.p2wpkh({ hash: Uint8Array.from({ length: 20 }, () => Math.floor(Math.random() * 256)), network: regtest }).address as string;
    const hash = await requestPegOut(wallet, destination, sats * 10_000_000_000n);
    o.print(`devnet: user burned ${sats} sat to ${destination} (requestPegOut ${hash})`);
  }

  const loop = (async () => {
    for (let turn = 0; on; turn++) {
      try {
        await (turn % 2 === 0 ? deposit() : burn());
      } catch (err) {
        o.print(`devnet: user ${turn % 2 === 0 ? 'deposit' : 'burn'} failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, o.everyMs ?? 3_000);
      });
    }
  })();
  return {
    stop: async () => {
      on = false;
      wake();
      await loop;
    },
  };
}
