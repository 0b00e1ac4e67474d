// `alys devnet` on real components: one Geth per node, one btcd (regtest), the governance server,
// and N Alys authorities (`alys node` processes) meshed over libp2p on loopback, with a merged miner
// and a Bitcoin miner. It prints what an operator needs of each node (RPC URL, peer id, libp2p
// addresses, log file), then a status line each second until stopped, then where the logs are. Node
// logs go to files under the devnet's directory, which is kept after exit (Geth's and the nodes' data
// directories, gigabytes, are not).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devKeysFile } from '../src/governance/server/keys-file.ts';
import { GrpcGovernanceLink } from '../src/io/prod/governance-grpc.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../src/io/prod/governance-server/spawn.ts';
import type { FederationUpdate } from '../src/governance/messages.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, writeNodeConfig } from './alys-node.ts';
import { DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from './btcd.ts';
import { type GethProcess, startGeth } from './geth.ts';
import { pegSettingsLine } from './devnet-peg.ts';
import { startDevnetUsers } from './devnet-users.ts';
import { DEFAULT_MIN_PEGOUT_SATS } from '../src/bridge/pegout-request.ts';
import { statusLine } from './devnet-status.ts';

async function federationOf(gov: GovernanceProcess, token: string): Promise<FederationUpdate> {
  const link = new GrpcGovernanceLink({ address: gov.listening, token });
  return new Promise((resolve, reject) => {
    let stream: { close(): void } | undefined;
    link
      .connect({
        onMessage: (m) => {
          if (m.kind === 'federation') {
            stream?.close();
            resolve(m.update);
          }
        },
        onMalformed: () => undefined,
        onClose: (r) => reject(new Error(`governance closed the stream: ${r}`)),
      })
      .then((s) => (stream = s), reject);
  });
}

const STATUS_TIMEOUT_MS = 800;

export async function runRealDevnet(o: { nodes: number; durationMs: number | undefined; print: (line: string) => void; stopSignal: Promise<void>; users?: boolean; recordDir?: string }): Promise<number> {
  const token = 'devnet-token';
  const dir = mkdtempSync(join(tmpdir(), 'alys-devnet-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  o.print(`devnet: directory ${dir} (node logs in ${logs}; kept after exit)`);
  const keysPath = join(dir, 'governance-keys.json');
  writeFileSync(keysPath, JSON.stringify(devKeysFile('devnet', 5, 3)));
  const geths: GethProcess[] = [];
  const nodes: NodeProcess[] = [];
  let btcd: BtcdProcess | undefined;
  let gov: GovernanceProcess | undefined;
  let on = true;
  let users: { stop: () => Promise<void> } | undefined;
  try {
    btcd = await startBtcd();
    await btcd.rpc.mine(101, DEV_MINER_ADDRESS);
    gov = await spawnGovernanceServer({ token, statePath: join(dir, 'governance-state.json'), keysPath });
    const fed = await federationOf(gov, token);
    const seeds = Array.from({ length: o.nodes }, (_, i) => (0x51 + i).toString(16).padStart(2, '0').repeat(32));
    const authorities = seeds.map(publicKeyOf);
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 + 5_000;
    const bridge = {
      bitcoin: { url: btcd.url, user: btcd.user, password: btcd.password, dialect: 'btcd', network: 'regtest', confirmations: 2, startHeight: 100 },
      governance: { address: gov.listening, token, federation: { publicKeys: fed.publicKeysHex, threshold: fed.threshold } },
    };
    for (const [i, seedHex] of seeds.entries()) {
      const geth = await startGeth();
      geths.push(geth);
      const cfg = writeNodeConfig(geth, { authority: true, authorities, seedHex, genesisTimeMs, bootstrap: nodes.flatMap((n) => n.multiaddrs), slotDurationMs: 2_000, bridge });
      // --record DIR: each node records its IO into DIR/n0, DIR/n1, … for `alys replay`.
      const node = await startRecovered(cfg.configPath, undefined, { logFile: join(logs, `n${i}.log`), ...(o.recordDir !== undefined ? { recordDir: join(o.recordDir, `n${i}`) } : {}) });
      nodes.push(node);
      o.print(`devnet: n${i} up`);
      o.print(`devnet: n${i} rpc     ${node.rpc}`);
      o.print(`devnet: n${i} peer id ${node.peerId}`);
      for (const m of node.multiaddrs) o.print(`devnet: n${i} libp2p  ${m.includes('/p2p/') ? m : `${m}/p2p/${node.peerId}`}`);
      o.print(`devnet: n${i} log     ${node.logFile ?? ''}`);
      o.print(`devnet: n${i} geth    ${geth.rpcUrl}`);
    }
    o.print(`devnet: federation deposit address ${fed.address}; btcd RPC ${btcd.url} (user ${btcd.user}); governance ${gov.listening}`);
    o.print(pegSettingsLine({ depositConfirmations: bridge.bitcoin.confirmations, minPegOutSats: DEFAULT_MIN_PEGOUT_SATS, federationAddress: fed.address }));
    const n0 = nodes[0] as NodeProcess;
    users =
      o.users === false
        ? undefined
        : startDevnetUsers({
            btcd,
            gethRpcUrl: (geths[0] as GethProcess).rpcUrl,
            federationAddress: fed.address,
            minPegOutSats: DEFAULT_MIN_PEGOUT_SATS,
            minted: async () => (await n0.call<{ pegs: { pegIns?: { minted: number } } | null }>('status')).pegs?.pegIns?.minted ?? 0,
            print: o.print,
          });
    o.print(users === undefined ? 'devnet: no users (--no-users): nothing is deposited or burned' : 'devnet: users deposit on btcd and burn on Geth every few seconds (--no-users turns them off)');
    const b = btcd;
    const background = (async () => {
      while (on) {
        await mineOnce(nodes[Math.floor(Math.random() * nodes.length)] as NodeProcess).catch(() => false);
        await b.rpc.mine(1, DEV_MINER_ADDRESS).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 4_000));
      }
    })();
    // Each line waits for no node longer than STATUS_TIMEOUT_MS: a slow node shows as "?".
    const status = (async () => {
      const targets = nodes.map((n, i) => ({ name: `n${i}`, rpc: n.rpc }));
      while (on) {
        const started = Date.now();
        o.print(await statusLine(targets, STATUS_TIMEOUT_MS));
        await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (Date.now() - started))));
      }
    })();
    await Promise.race([o.stopSignal, ...(o.durationMs === undefined ? [] : [new Promise((r) => setTimeout(r, o.durationMs))])]);
    on = false;
    await users?.stop();
    await Promise.all([background, status]);
    return 0;
  } finally {
    on = false;
    await users?.stop();
    for (const n of nodes) await n.stop('SIGTERM');
    for (const g of geths) await g.stop();
    await gov?.stop('SIGTERM');
    await btcd?.stop();
    o.print(`devnet: stopped; node logs in ${logs}`);
  }
}
