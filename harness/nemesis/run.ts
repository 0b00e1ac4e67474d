// `alys devnet --nodes 3 --nemesis`: the real devnet (a Geth per node, btcd, the governance server,
// `alys node` authorities) with every link through Toxiproxy, a fault schedule drawn from the seed,
// users depositing and burning throughout, and the simulation's invariants judging what the real
// components report. Prints the same JSON as `alys sim --json` (seed, invariants, ok, reproduce)
// plus the faults injected by kind, and writes the schedule as a simulator scenario. A Toxiproxy
// that cannot start fails the run: it never passes by skipping faults.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import * as bitcoin from 'bitcoinjs-lib';
import { devKeysFile } from '../../src/governance/server/keys-file.ts';
import { type FederationRotation, FederationSigner, MemorySignedStore, devMemberKeys, type SignedState } from '../../src/governance/signer.ts';
import { type GovernanceProcess, spawnGovernanceServer } from '../../src/io/prod/governance-server/spawn.ts';
import { FileSignedStore } from '../../src/io/prod/governance-server/file-signed-store.ts';
import { BitcoinRpc } from '../../src/io/prod/bitcoin-rpc.ts';
import { keyFromSeed } from '../../src/io/prod/libp2p-network.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import type { CheckContext } from '../../sim/chaos/invariant.ts';
import type { BridgeNodeView } from '../../sim/bridge/invariants.ts';
import type { PegObservation } from '../../sim/bridge/observation.ts';
import { SHARED_KEY } from '../../sim/bridge/shared.ts';
import { parseScenario } from '../../sim/scenario.ts';
import { type NodeProcess, mineOnce, publicKeyOf, startRecovered, writeNodeConfig } from '../alys-node.ts';
import { DEV_MINER_ADDRESS, type BtcdProcess, startBtcd } from '../btcd.ts';
import { type GethProcess, gethHeight, startGeth } from '../geth.ts';
import { freePort } from '../process.ts';
import { type ToxiproxyServer, startToxiproxy } from '../toxiproxy.ts';
import { NemesisJudge } from './judge.ts';
import { createLinks } from './links.ts';
import { BtcdObserver, DevnetObserver } from './observe.ts';
import { FAULT_CLASSES, type FaultClass, type ProcessTarget, type ScheduledFault, classOf, describeFault, drawSchedule } from './schedule.ts';
import { toSimScenario } from './sim-scenario.ts';
import { NemesisLedger, UserDriver, nemesisUsers } from './users.ts';

export interface NemesisOptions {
  readonly nodes: number;
  readonly seed: string;
  readonly durationMs: number;
  /** Progress lines (faults as injected, a status line now and then). */
  readonly log: (line: string) => void;
  readonly stopSignal?: Promise<void>;
  /** The command that reruns this (the report's `reproduce`). */
  readonly reproduce: string;
  /** Another toxiproxy-server binary (tests: one that cannot start). */
  readonly toxiproxyBin?: string;
  /** Keep every node's recording (and name its replay) even when the run passes. */
  readonly keepRecords?: boolean;
}

export interface NemesisReport {
  readonly seed: string;
  readonly scenario: string;
  readonly invariants: Record<string, string>;
  readonly ok: boolean;
  readonly reproduce: string;
  readonly wallMs: number;
  readonly checks: number;
  /** Faults injected, by kind (kills and pauses by the kind of process). */
  readonly faults: Record<string, number>;
  /** Scheduled faults that could not be injected, with why. */
  readonly notInjected: readonly string[];
  /** Errors of the run itself (a restart that failed…): any makes ok false. */
  readonly errors: readonly string[];
  readonly users: Record<string, number>;
  /** The schedule as a simulator scenario (`alys sim --scenario <file>`). */
  readonly scenarioFile: string;
  readonly unmappedFaults: readonly string[];
  /** The run's directory, kept after it (node logs, report.json, the scenario); data directories are not. */
  readonly dir: string;
  /**
   * When the run failed: the command that replays each node's recording (one per start of each
   * node), kept under `dir/record`. A run that passed drops its recordings.
   */
  readonly replays: readonly string[];
}

const TOKEN = 'nemesis-token';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

export function nemesisTimings(durationMs: number): { quietMs: number; livenessWindowMs: number } {
  const quietMs = Math.min(180_000, Math.max(60_000, Math.floor(durationMs / 3)));
  // A burn is complete after finality, a governance round trip and its payout's Bitcoin
  // confirmations: on 2 cores running three nodes, three Geths, two btcds and governance, that
  // took up to about 60 s in the 30-minute run, so a long run's window is 90 s.
  return { quietMs, livenessWindowMs: Math.min(90_000, Math.floor(quietMs * 0.8)) };
}

export async function runNemesis(o: NemesisOptions): Promise<NemesisReport> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'alys-nemesis-'));
  const { quietMs, livenessWindowMs } = nemesisTimings(o.durationMs);
  const schedule = drawSchedule({ seed: o.seed, nodes: o.nodes, durationMs: o.durationMs, quietMs });
  const simScenario = toSimScenario(schedule, { livenessWindowMs, reproduce: o.reproduce });
  const scenarioFile = join(dir, `nemesis-${o.seed}.scenario.json`);
  writeFileSync(scenarioFile, `${JSON.stringify(simScenario, null, 2)}\n`);
  o.log(`nemesis: seed ${o.seed}, ${schedule.faults.length} faults in the first ${schedule.faultsUntilMs / 1000} s, then ${quietMs / 1000} s quiet; directory ${dir}; the schedule as a sim scenario: ${scenarioFile}`);
  for (const f of schedule.faults) o.log(`nemesis: scheduled ${describeFault(f)}`);

  const errors: string[] = [];
  const notInjected: string[] = [];
  const injected = new Map<FaultClass, number>();
  let tp: ToxiproxyServer | undefined;
  let btcd: BtcdProcess | undefined;
  let btcdPeer: BtcdProcess | undefined;
  let gov: GovernanceProcess | undefined;
  const geths: GethProcess[] = [];
  const nodes: Array<NodeProcess | undefined> = [];
  const incarnation: number[] = [];
  const up: boolean[] = [];
  const configs: string[] = [];
  const recordings: Array<{ dir: string; key: string }> = [];
  let running = true;
  const loops: Array<Promise<void>> = [];
  let judge: NemesisJudge | undefined;
  let users: UserDriver | undefined;
  try {
    // Toxiproxy first: without it there is no nemesis, and the run must say so rather than pass.
    tp = await startToxiproxy(o.toxiproxyBin !== undefined ? { bin: o.toxiproxyBin } : {});
    const keysPath = join(dir, 'governance-keys.json');
    const statePath = join(dir, 'governance-state.json');
    const keys = devKeysFile('nemesis', 5, 3);
    writeFileSync(keysPath, JSON.stringify(keys));
    const rotations: FederationRotation[] = [];
    const localSigner = (): FederationSigner => new FederationSigner({ network: 'regtest', privateKeys: keys.privateKeysHex.map(fromHex), threshold: 3, store: new MemorySignedStore(), maxFeeSats: 1n, rotations });
    let signer = localSigner();
    const graceUntil = new Map<number, number>();

    // Bitcoin is a network: the btcd the nodes use has a peer the nemesis never touches. btcd keeps
    // recent blocks in a cache it flushes every few minutes, so a SIGKILLed btcd comes back minutes
    // behind; it catches up from its peer, as a crashed bitcoind would from the network, instead of
    // turning the kill into a reorg far deeper than any confirmation count.
    btcdPeer = await startBtcd();
    btcd = await startBtcd({ connect: btcdPeer.p2p });
    await btcd.rpc.mine(140, DEV_MINER_ADDRESS);
    const peerRpc = btcdPeer.rpc;
    await within(60_000, (async () => {
      while ((await peerRpc.getBlockCount()) < 140) await sleep(200);
    })());
    gov = await spawnGovernanceServer({ token: TOKEN, statePath, keysPath });
    const govListen = gov.listening;
    for (let i = 0; i < o.nodes; i++) geths.push(await startGeth());
    const p2pPorts: number[] = [];
    const rpcPorts: number[] = [];
    for (let i = 0; i < o.nodes; i++) {
      p2pPorts.push(await freePort());
      rpcPorts.push(await freePort());
    }
    const links = await createLinks(tp.client, { p2pPorts, engine: geths.map((g) => g.engineUrl), btcd: btcd.url, governance: govListen });
    const link = (name: string): string => links.listen.get(name) as string;
    const seeds = Array.from({ length: o.nodes }, (_, i) => (0x61 + i).toString(16).padStart(2, '0').repeat(32));
    const peerIds = await Promise.all(seeds.map(async (s) => peerIdFromPrivateKey(await keyFromSeed(fromHex(s))).toString()));
    const authorities = seeds.map(publicKeyOf);
    const fed = signer.current;
    const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 + 5_000;
    for (const [i, seedHex] of seeds.entries()) {
      const geth = geths[i] as GethProcess;
      const bridge = {
        bitcoin: { url: `http://${link(`btcd-n${i}`)}`, user: btcd.user, password: btcd.password, dialect: 'btcd', network: 'regtest', confirmations: 2, startHeight: 100 },
        governance: { address: link(`governance-n${i}`), token: TOKEN, federation: { publicKeys: fed.publicKeys.map(toHex), threshold: fed.threshold } },
      };
      const cfg = writeNodeConfig({ ...geth, engineUrl: `http://${link(`engine-n${i}`)}` }, { authority: true, authorities, seedHex, genesisTimeMs, slotDurationMs: 2_000, bridge });
      const json = JSON.parse(readFileSync(cfg.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
      json.network = {
        listen: `/ip4/127.0.0.1/tcp/${p2pPorts[i]}`,
        announce: [],
        bootstrap: peerIds.flatMap((id, j) => (j === i ? [] : [`/ip4/${link(`p2p-n${i}-n${j}`).replace(':', '/tcp/')}/p2p/${id}`])),
        identitySeed: seedHex,
      };
      json.rpc = { listen: `127.0.0.1:${rpcPorts[i]}` };
      writeFileSync(cfg.configPath, JSON.stringify(json, null, 2));
      configs.push(cfg.configPath);
    }
    const logFile = (i: number): string => join(dir, `n${i}.log`);
    // Every start of every node is recorded (alys node --record), so that a failure the judge finds
    // can be replayed on the deterministic scheduler. The replay needs the authority key, which a
    // recording never holds: the devnet's throwaway keys are kept beside the recordings.
    mkdirSync(join(dir, 'record'));
    for (const [i, c] of configs.entries()) {
      const keyFile = (JSON.parse(readFileSync(c, 'utf8')) as { authorityKeyFile: string }).authorityKeyFile;
      copyFileSync(keyFile, join(dir, 'record', `n${i}.key`));
    }
    const recordDir = (i: number): string => {
      const d = join(dir, 'record', `n${i}-${incarnation[i] ?? 0}`);
      recordings.push({ dir: d, key: join(dir, 'record', `n${i}.key`) });
      return d;
    };
    // One at a time: on a loaded 2-core machine three nodes loading their sources at once miss the start deadline.
    for (const [i, c] of configs.entries()) {
      const n = await startRecovered(c, undefined, { logFile: logFile(i), recordDir: recordDir(i) });
      nodes[i] = n;
      incarnation[i] = 0;
      up[i] = true;
      o.log(`nemesis: n${i} up: rpc ${n.rpc}, log ${logFile(i)}`);
    }

    const rng = new SeededRng(`nemesis-users:${o.seed}`);
    const ledger = new NemesisLedger();
    const userList = nemesisUsers(o.seed, 3, o.nodes);
    const btcRpc = (): BitcoinRpc => new BitcoinRpc({ url: (btcd as BtcdProcess).url, auth: { user: (btcd as BtcdProcess).user, password: (btcd as BtcdProcess).password }, dialect: 'btcd', network: bitcoin.networks.regtest, timeoutMs: 5_000 });
    const t0 = Date.now();
    const now = (): number => Date.now() - t0;
    users = new UserDriver({
      rng,
      users: userList,
      ledger,
      bitcoin: btcRpc,
      federation: () => ({ address: signer.current.address, version: signer.current.version }),
      gethRpc: geths.map((g) => g.rpcUrl),
      now,
      log: o.log,
    });
    const u = users;
    const observer = new DevnetObserver({ users: () => userList.map((x) => x.address), burns: () => u.sentBurns(), includedBurns: () => ledger.burns.map((b) => b.id), onReceipt: (h, ok) => u.included(h, ok) });
    const btcObserver = new BtcdObserver();
    const scenario = parseScenario(simScenario, 'nemesis scenario');
    judge = new NemesisJudge({ livenessWindowMs, scenario });
    const j = judge;
    const signedStore = new FileSignedStore(statePath);
    const emptySigned: SignedState = { spentBy: {}, paidBy: {}, signedTx: {}, pegOuts: {} };
    let lastSigned = emptySigned;

    // The background: a merged miner, a Bitcoin miner, the users, and the judge.
    let healedAt: number | undefined;
    let pendingHeals = 0;
    loops.push(
      (async () => {
        while (running) {
          const live = nodes.filter((n, i): n is NodeProcess => n !== undefined && up[i] === true);
          if (live.length > 0) await within(10_000, mineOnce(live[Math.floor(Math.random() * live.length)] as NodeProcess)).catch(() => false);
          await within(5_000, btcRpc().mine(1, DEV_MINER_ADDRESS)).catch(() => undefined);
          await sleep(4_000);
        }
      })(),
    );
    // btcd's fee estimate, often enough to see what the nodes' bridges see when they build payouts.
    loops.push(
      (async () => {
        while (running) {
          await within(5_000, btcRpc().estimateFeeRate().then((r) => btcObserver.noteFeeRate(r))).catch(() => undefined);
          await sleep(1_000);
        }
      })(),
    );
    loops.push(
      (async () => {
        let round = 0;
        while (running) {
          round++;
          await within(15_000, u.deposit()).catch(() => undefined);
          if (round % 2 === 0) await within(15_000, u.burn()).catch(() => undefined);
          await within(15_000, u.resendUnconfirmed()).catch(() => undefined);
          await within(15_000, u.pollReceipts()).catch(() => undefined);
          await sleep(3_000);
        }
      })(),
    );
    const look = async (final: boolean): Promise<void> => {
      await within(20_000, btcObserver.refresh(btcRpc())).catch(() => undefined);
      try {
        lastSigned = signedStore.load() ?? emptySigned;
      } catch {
        // Mid-write: the last state read stands.
      }
      const signed = lastSigned;
      const peg: PegObservation = {
        bitcoin: btcObserver.snapshot(),
        governance: { signer: { federations: signer.federations, signedState: () => signed } },
        ledger,
        graceUntil,
      };
      const snaps = await Promise.all(nodes.map((n, i) => observer.node({ id: `n${i}`, rpc: n?.rpc ?? '', gethRpc: (geths[i] as GethProcess).rpcUrl, up: up[i] === true, incarnation: incarnation[i] ?? 0 })));
      const t = now();
      if (healedAt === undefined && t >= schedule.faultsUntilMs && pendingHeals === 0) healedAt = t;
      const ctx: CheckContext<BridgeNodeView> = { now: t, nodes: snaps, healedAt, final, shared: new Map([[SHARED_KEY, peg]]) };
      j.check(ctx);
    };
    loops.push(
      (async () => {
        let k = 0;
        while (running) {
          await look(false);
          if (++k % 3 === 0) {
            const cells = await Promise.all(
              nodes.map(async (n, i) => {
                const el = await within(2_000, gethHeight(geths[i] as GethProcess)).then((h) => `geth ${h}`, () => 'geth ?');
                if (up[i] !== true || n === undefined) return `n${i} down ${el}`;
                return within(2_000, n.call<{ head: { height: number }; finalized: number }>('status')).then((s) => `n${i} h${s.head.height} f${s.finalized} ${el}`, () => `n${i} ? ${el}`);
              }),
            );
            o.log(`nemesis: [${(now() / 1000).toFixed(0)}s] ${cells.join(' | ')} | deposits ${ledger.deposits.length} burns ${ledger.burns.length} | ${Object.entries(j.results()).filter(([, v]) => v !== 'pass').map(([k2]) => `FAIL ${k2}`).join(' ') || 'invariants hold'}`);
          }
          await sleep(3_000);
        }
      })(),
    );

    // The faults.
    const busy = new Set<string>();
    const targetKey = (t: ProcessTarget): string => (t.kind === 'node' || t.kind === 'geth' ? `${t.kind}${t.node}` : t.kind);
    const childOf = (t: ProcessTarget): import('node:child_process').ChildProcess | undefined =>
      t.kind === 'node' ? nodes[t.node]?.child : t.kind === 'geth' ? geths[t.node]?.child : t.kind === 'btcd' ? btcd?.child : gov?.child;
    const kill = async (t: ProcessTarget): Promise<() => Promise<void>> => {
      switch (t.kind) {
        case 'node': {
          up[t.node] = false;
          await nodes[t.node]?.stop('SIGKILL');
          return async () => {
            incarnation[t.node] = (incarnation[t.node] ?? 0) + 1;
            nodes[t.node] = await startRecovered(configs[t.node] as string, undefined, { logFile: logFile(t.node), recordDir: recordDir(t.node) });
            up[t.node] = true;
          };
        }
        case 'geth': {
          const g = geths[t.node] as GethProcess;
          await g.kill9();
          return async () => {
            geths[t.node] = await g.restart();
          };
        }
        case 'btcd': {
          const b = btcd as BtcdProcess;
          await b.kill9();
          return async () => {
            const r = await b.restart();
            // Back at the tip its peer holds before the nodes are told it is up.
            const want = await (btcdPeer as BtcdProcess).rpc.getBlockCount();
            await within(60_000, (async () => {
              while ((await r.rpc.getBlockCount()) < want) await sleep(200);
            })());
            btcd = r;
          };
        }
        case 'governance': {
          const g = gov as GovernanceProcess;
          await g.stop('SIGKILL');
          return async () => {
            // Loading the sources takes long on a loaded machine: a generous deadline, and a second try.
            const spawnIt = (): Promise<GovernanceProcess> => spawnGovernanceServer({ token: TOKEN, statePath, keysPath, listen: govListen, readyTimeoutMs: 120_000 });
            gov = await spawnIt().catch(() => spawnIt());
          };
        }
      }
    };
    const apply = async (f: ScheduledFault, fid: string): Promise<(() => Promise<void>) | undefined> => {
      switch (f.kind) {
        case 'kill':
        case 'pause': {
          const key = targetKey(f.target);
          if (busy.has(key)) {
            notInjected.push(`${describeFault(f)}: its process was still down from an earlier fault`);
            return undefined;
          }
          busy.add(key);
          if (f.kind === 'pause') {
            const child = childOf(f.target);
            if (f.target.kind === 'node') up[f.target.node] = false;
            child?.kill('SIGSTOP');
            return async () => {
              child?.kill('SIGCONT');
              if (f.target.kind === 'node') up[f.target.node] = true;
              busy.delete(key);
            };
          }
          const restart = await kill(f.target);
          return async () => {
            try {
              await restart();
            } finally {
              busy.delete(key);
            }
          };
        }
        case 'rotate': {
          const tip = await btcRpc().getBlockCount();
          const grace = tip + 50;
          const next = devMemberKeys(`nemesis-rotation-${rotations.length + 1}`, 5);
          rotations.push({ privateKeys: next, threshold: 3, previousValidUntilHeight: grace });
          graceUntil.set(signer.current.version, grace);
          writeFileSync(keysPath, JSON.stringify({ ...keys, rotations: rotations.map((r) => ({ threshold: r.threshold, privateKeysHex: r.privateKeys.map(toHex), previousValidUntilHeight: r.previousValidUntilHeight })) }));
          signer = localSigner();
          // A governance server that is down reads the extended key file when it restarts.
          gov?.child.kill('SIGHUP');
          return undefined;
        }
        default:
          return links.apply(fid, f);
      }
    };
    const stop = o.stopSignal?.then(() => 'stop' as const) ?? new Promise<never>(() => undefined);
    const heals: Array<Promise<void>> = [];
    for (const [k, f] of schedule.faults.entries()) {
      const wait = f.atMs - now();
      if (wait > 0 && (await Promise.race([sleep(wait).then(() => 'go' as const), stop])) === 'stop') break;
      o.log(`nemesis: [${(now() / 1000).toFixed(0)}s] inject ${describeFault(f)}`);
      let heal: (() => Promise<void>) | undefined;
      try {
        heal = await apply(f, `f${k}`);
        if (!notInjected.some((x) => x.startsWith(describeFault(f)))) injected.set(classOf(f), (injected.get(classOf(f)) ?? 0) + 1);
      } catch (err) {
        errors.push(`injecting ${describeFault(f)}: ${(err as Error).message}`);
        continue;
      }
      if (heal === undefined) continue;
      const h = heal;
      pendingHeals++;
      heals.push(
        (async () => {
          await sleep(Math.max(0, f.atMs + f.durationMs - now()));
          try {
            await h();
            o.log(`nemesis: [${(now() / 1000).toFixed(0)}s] healed ${describeFault(f)}`);
          } catch (err) {
            errors.push(`healing ${describeFault(f)}: ${(err as Error).message.split('\n')[0]}`);
          } finally {
            pendingHeals--;
          }
        })(),
      );
    }
    await Promise.all(heals);
    // Liveness is judged over whole windows after the last heal (a restart can take a minute on a loaded machine).
    const rest = Math.max(o.durationMs - now(), schedule.faultsUntilMs + livenessWindowMs + 10_000 - now(), (healedAt ?? now()) + livenessWindowMs + 10_000 - now());
    if (rest > 0) await Promise.race([sleep(rest), stop]);
    running = false;
    await Promise.all(loops);
    await look(true);
  } catch (err) {
    errors.push((err as Error).message.split('\n').slice(0, 3).join(' '));
  } finally {
    running = false;
    await Promise.all(loops).catch(() => undefined);
    for (const [i, n] of nodes.entries()) {
      if (n !== undefined && !up[i]) n.child.kill('SIGCONT');
      await n?.stop('SIGTERM');
    }
    for (const g of geths) {
      g.child.kill('SIGCONT');
      await g.stop();
    }
    gov?.child.kill('SIGCONT');
    await gov?.stop('SIGTERM');
    btcd?.child.kill('SIGCONT');
    await btcd?.stop();
    await btcdPeer?.stop();
    await tp?.stop();
  }
  const invariants = judge?.results() ?? {};
  const ok = errors.length === 0 && judge?.ok === true;
  const keep = !ok || o.keepRecords === true;
  if (!keep) rmSync(join(dir, 'record'), { recursive: true, force: true });
  const replays = !keep ? [] : recordings.map((r) => `alys replay ${r.dir} --key-file ${r.key}`);
  const faults = Object.fromEntries(FAULT_CLASSES.map((c) => [c, injected.get(c) ?? 0]));
  const report: NemesisReport = {
    seed: o.seed,
    scenario: 'nemesis',
    invariants,
    ok,
    reproduce: o.reproduce,
    wallMs: Date.now() - started,
    checks: judge?.checks ?? 0,
    faults,
    notInjected,
    errors,
    users: { ...(users?.counts ?? {}) },
    scenarioFile,
    unmappedFaults: simScenario.unmapped,
    dir,
    replays,
  };
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
