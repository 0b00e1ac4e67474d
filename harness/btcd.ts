// A real Bitcoin node for the tests and the devnet: btcd in regtest, RPC on a free loopback port
// without TLS (allowed on loopback), with the transaction and address indexes the BitcoinRpc btcd
// dialect needs, mining to a dev address whose key the harness holds (a user's coins, not the
// federation's).
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { BitcoinRpc } from '../src/io/prod/bitcoin-rpc.ts';
import { ensureBinaries } from './build.ts';
import { type RunningProcess, freePort, startProcess, waitReady } from './process.ts';
import { tempDir } from './temp-dirs.ts';

const ECPair = ECPairFactory(ecc);
/** The dev miner's key (regtest only). */
export const DEV_MINER = ECPair.fromPrivateKey(Uint8Array.from(Buffer.from('11'.repeat(32), 'hex')), { network: bitcoin.networks.regtest });
export const DEV_MINER_ADDRESS = bitcoin.payments.p2wpkh({ pubkey: DEV_MINER.publicKey, network: bitcoin.networks.regtest }).address as string;

export interface BtcdProcess extends RunningProcess {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly rpc: BitcoinRpc;
  readonly dataDir: string;
  /** host:port of its P2P listener. */
  readonly p2p: string;
  restart(): Promise<BtcdProcess>;
}

/** `connect`: a btcd peer's P2P address (host:port) to sync from and relay to, as a node of a Bitcoin network. */
export async function startBtcd(o: { dataDir?: string; connect?: string } = {}): Promise<BtcdProcess> {
  const { btcd } = ensureBinaries();
  const dataDir = o.dataDir ?? tempDir('alys-btcd-');
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  return launch(btcd, dataDir, rpcPort, p2pPort, o.connect);
}

async function launch(btcd: string, dataDir: string, rpcPort: number, p2pPort: number, connect?: string): Promise<BtcdProcess> {
  const user = 'alys';
  const password = 'alys-regtest';
  const args = [
    '--regtest', '--datadir', join(dataDir, 'data'), '--logdir', join(dataDir, 'logs'),
    '--rpcuser', user, '--rpcpass', password, '--rpclisten', `127.0.0.1:${rpcPort}`, '--notls',
    '--listen', `127.0.0.1:${p2pPort}`, '--nodnsseed', '--txindex', '--addrindex', '--miningaddr', DEV_MINER_ADDRESS,
    '--debuglevel', 'warn',
    ...(connect !== undefined ? ['--connect', connect] : []),
  ];
  const p = startProcess('btcd', btcd, args);
  const url = `http://127.0.0.1:${rpcPort}`;
  const rpc = new BitcoinRpc({ url, auth: { user, password }, dialect: 'btcd', network: bitcoin.networks.regtest });
  await waitReady(p, async () => (await rpc.getBlockCount()) >= 0);
  return { ...p, url, user, password, rpc, dataDir, p2p: `127.0.0.1:${p2pPort}`, restart: () => launch(btcd, dataDir, rpcPort, p2pPort, connect) };
}
