// A real Geth for the tests and the devnet: a post-merge dev chain (chain id 121212, Shanghai from
// time 0, no Cancun: Alys runs Engine API V2), the bridge contract predeployed, one funded user
// account for burns, `geth init` then geth with the Engine API on a free loopback port behind a JWT
// secret, plain JSON-RPC on another, no peers, no discovery.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { privateKeyToAccount } from 'viem/accounts';
import { BRIDGE_CONTRACT_ADDRESS, bridgeGenesisAccount } from './bridge-contract.ts';
import { ensureBinaries } from './build.ts';
import { type RunningProcess, freePort, startProcess, waitReady } from './process.ts';
import { tempDir } from './temp-dirs.ts';

export const DEV_CHAIN_ID = 121212;
/** A dev account with funds in the genesis (a public test key: never use it for anything real). */
export const DEV_USER_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
export const DEV_USER_ADDRESS = privateKeyToAccount(DEV_USER_KEY).address.toLowerCase();

/** The dev genesis; `cancun` activates Cancun (Deneb on the consensus side) from time 0, for Engine API V3. */
export function devGenesis(o: { cancun?: boolean } = {}): Record<string, unknown> {
  const cancun = o.cancun === true ? { cancunTime: 0, blobSchedule: { cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 } } } : {};
  return {
    ...(o.cancun === true ? { excessBlobGas: '0x0', blobGasUsed: '0x0' } : {}),
    config: {
      ...cancun,
      chainId: DEV_CHAIN_ID,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      mergeNetsplitBlock: 0,
      shanghaiTime: 0,
      terminalTotalDifficulty: 0,
    },
    nonce: '0x0',
    timestamp: '0x0',
    extraData: '0x',
    gasLimit: '0x1c9c380',
    difficulty: '0x0',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
    baseFeePerGas: '0x3b9aca00',
    alloc: {
      [BRIDGE_CONTRACT_ADDRESS.slice(2)]: bridgeGenesisAccount(),
      [DEV_USER_ADDRESS.slice(2)]: { balance: '0xd3c21bcecceda1000000' },
    },
  };
}

export interface GethProcess extends RunningProcess {
  readonly engineUrl: string;
  readonly rpcUrl: string;
  readonly jwtSecret: Uint8Array;
  readonly jwtPath: string;
  readonly dataDir: string;
  /** Starts geth again on the same data directory and ports (after stop or kill9). */
  restart(): Promise<GethProcess>;
}

export async function startGeth(o: { dataDir?: string; jwtSecret?: Uint8Array; cancun?: boolean } = {}): Promise<GethProcess> {
  const { geth } = ensureBinaries();
  const dataDir = o.dataDir ?? tempDir('alys-geth-');
  mkdirSync(dataDir, { recursive: true });
  const secret = o.jwtSecret ?? Uint8Array.from(randomBytes(32));
  const jwtPath = join(dataDir, 'jwt.hex');
  writeFileSync(jwtPath, Buffer.from(secret).toString('hex'));
  const genesisPath = join(dataDir, 'genesis.json');
  writeFileSync(genesisPath, JSON.stringify(devGenesis({ cancun: o.cancun === true }), null, 2));
  execFileSync(geth, ['init', '--state.scheme', 'hash', '--datadir', dataDir, genesisPath], { stdio: 'pipe' });
  // Another process may take a port between our check and Geth's bind: then new ports, twice more.
  for (let attempt = 1; ; attempt++) {
    const [authPort, httpPort] = [await freePort(), await freePort()];
    try {
      return await launch(geth, dataDir, secret, jwtPath, authPort, httpPort);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

// Archive on the hash scheme: every block's state is on disk as it is imported, so a SIGKILLed Geth
// comes back near its head with state. On the default path scheme it came back at genesis in snap
// sync, which needs Ethereum peers these Geths do not have (docs/operations.md, "Running Geth").
async function launch(geth: string, dataDir: string, secret: Uint8Array, jwtPath: string, authPort: number, httpPort: number): Promise<GethProcess> {
  const args = [
    '--datadir', dataDir,
    '--networkid', String(DEV_CHAIN_ID),
    '--authrpc.addr', '127.0.0.1', '--authrpc.port', String(authPort), '--authrpc.jwtsecret', jwtPath,
    '--http', '--http.addr', '127.0.0.1', '--http.port', String(httpPort), '--http.api', 'eth,net,web3',
    '--port', '0', '--nodiscover', '--maxpeers', '0', '--syncmode', 'full', '--gcmode', 'archive', '--state.scheme', 'hash', '--ipcdisable',
    '--verbosity', '2', '--cache', '256',
  ];
  const p = startProcess('geth', geth, args);
  const rpcUrl = `http://127.0.0.1:${httpPort}`;
  await waitReady(p, async () => {
    const r = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
    return r.ok;
  });
  const self: GethProcess = {
    ...p,
    engineUrl: `http://127.0.0.1:${authPort}`,
    rpcUrl,
    jwtSecret: secret,
    jwtPath,
    dataDir,
    restart: () => launch(geth, dataDir, secret, jwtPath, authPort, httpPort),
  };
  return self;
}

/** The execution chain's height as Geth reports it (eth_blockNumber). */
export async function gethHeight(geth: Pick<GethProcess, 'rpcUrl'>): Promise<number> {
  const r = await fetch(geth.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) });
  return Number(((await r.json()) as { result: string }).result);
}
