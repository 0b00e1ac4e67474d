// `alys devnet` on real components: one Geth per node, one btcd (regtest), the governance server,
// and N Alys authorities (`alys node` processes) meshed over libp2p on loopback, with a merged miner
// and a Bitcoin miner; prints a status line per node each second until stopped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devKeysFile } from '../src/governance/server/keys-file.ts';
import { GrpcGovernanceLink } from '../src/io/prod/governance-grpc.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../src/io/prod/governance-server/spawn.ts';
import type { FederationUpdate } from '../src/governance/messages.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, writeNodeConfig } from './alys-node.ts';
import { DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from './btcd.ts';
import { type GethProcess, startGeth } from './geth.ts';
import { type PegsStatus, pegSettingsLine, pegStatusCell } from './devnet-peg.ts';
import { tempDir } from './temp-dirs.ts';

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

export async function runRealDevnet(o: { nodes: number; durationMs: number | undefined; print: (line: string) => void; stopSignal: Promise<void> }): Promise<number> {
  const token = 'devnet-token';
  const dir = tempDir('alys-devnet-');
  const keysPath = join(dir, 'governance-keys.json');
  writeFileSync(keysPath, JSON.stringify(devKeysFile('devnet', 5, 3)));
  const geths: GethProcess[] = [];
  const nodes: NodeProcess[] = [];
  let btcd: BtcdProcess | undefined;
  let gov: GovernanceProcess | undefined;
  let on = true;
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
      nodes.push(await startRecovered(cfg.configPath));
      o.print(`devnet: node n${i} up (rpc ${nodes[i]?.rpc}, geth ${geth.rpcUrl})`);
    }
    o.print(`devnet: federation deposit address ${fed.address}; btcd RPC ${btcd.url} (user ${btcd.user}); governance ${gov.listening}`);
    o.print(pegSettingsLine({ depositConfirmations: bridge.bitcoin.confirmations, federationAddress: fed.address }));
    const b = btcd;
    const background = (async () => {
      while (on) {
        await mineOnce(nodes[Math.floor(Math.random() * nodes.length)] as NodeProcess).catch(() => false);
        await b.rpc.mine(1, DEV_MINER_ADDRESS).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 4_000));
      }
    })();
    const status = setInterval(() => {
      void Promise.all(
        nodes.map(async (n, i) => {
          const s = await n.call<{ head: { height: number } | null; finalized: number | null; peers: number; sync: { currentHeight: number; targetHeight: number } | null; pegs: PegsStatus | null }>('status').catch(() => undefined);
          if (s === undefined) return `n${i} down`;
          const pct = s.sync === null || s.sync.targetHeight === 0 ? 100 : Math.floor((s.sync.currentHeight / s.sync.targetHeight) * 1000) / 10;
          return `n${i} h${s.head?.height ?? 0} f${s.finalized ?? 0} peers ${s.peers} sync ${pct}% ${pegStatusCell(s.pegs)}`;
        }),
      ).then((cells) => o.print(cells.join(' | ')));
    }, 1_000);
    await Promise.race([o.stopSignal, ...(o.durationMs === undefined ? [] : [new Promise((r) => setTimeout(r, o.durationMs))])]);
    clearInterval(status);
    on = false;
    await background;
    return 0;
  } finally {
    on = false;
    for (const n of nodes) await n.stop('SIGTERM');
    for (const g of geths) await g.stop();
    await gov?.stop('SIGTERM');
    await btcd?.stop();
  }
}
