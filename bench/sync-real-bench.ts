// `alys bench sync --real`: a node syncs a prebuilt chain of real transactions from serving nodes
// over libp2p through Toxiproxy links, each node with its own real Geth, once with the parallel
// strategy and once with the sequential one; the bound is the smaller of Geth's own import rate for
// the same payloads (newPayload + forkchoiceUpdated, nothing else) and the links' bandwidth.
// Wall-clock figures: this measures the production node, not a model.
import { cpSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { type NodeProcess, publicKeyOf, startNodeProcess, startRecovered, waitFor, writeNodeConfig } from '../harness/alys-node.ts';
import { ensureBinaries } from '../harness/build.ts';
import { type GethProcess, gethHeight, startGeth } from '../harness/geth.ts';
import { measureGethImport } from '../harness/prebuilt-chain.ts';
import { tempDir } from '../harness/temp-dirs.ts';
import { startToxiproxy } from '../harness/toxiproxy.ts';
import { CpuWindow } from './proc-cpu.ts';
import { type MemorySample, PeakMemory, parseMemorySample } from './node-memory.ts';
import { benchChain, copyOfChainData } from './sync-real-chain.ts';
import { type LinkSettings, linkBlocksPerSec, linkToxics, proxyMultiaddr, syncBound, tcpUpstream } from './sync-real-link.ts';
import { parallelDefaults } from '../src/actors/sync-actor.ts';
import type { SignatureSet } from '../src/consensus/signature-sets.ts';
import { blsScheme } from '../src/crypto/bls.ts';
import { SignaturePool } from '../src/io/prod/signature-pool.ts';

export interface RealSyncOptions {
  readonly blocks: number;
  readonly json: boolean;
  readonly strategies: ReadonlyArray<'parallel' | 'sequential'>;
  readonly timeoutMs: number;
  /** Every libp2p connection of the follower goes through a Toxiproxy with these toxics (rtt 0: loopback). */
  readonly link: LinkSettings;
  /** Serving nodes, each with its own copy of the chain and its own Geth. */
  readonly peers: number;
  /** ETH transfers per block. */
  readonly txsPerBlock: number;
  /** Contract calls per block (a storage write each). */
  readonly callsPerBlock: number;
  /** Write a V8 CPU profile of each follower here (node --cpu-prof). */
  readonly cpuProfDir?: string;
  /** Write each node's log here: follower-<strategy>.log, and server-<i>.log for the serving nodes. */
  readonly logDir?: string;
  /** Keep the built chain here and reuse it in later runs that ask for the same chain. */
  readonly chainDir?: string;
}

interface StrategyResult {
  readonly strategy: 'parallel' | 'sequential';
  readonly blocks: number;
  /** From the moment the follower knew the target height to the moment it held it. */
  readonly seconds: number;
  /** From the follower's process start (start-up and peer discovery included). */
  readonly secondsFromStart: number;
  readonly blocksPerSec: number;
  /** eth_blockNumber of the follower's Geth afterwards. */
  readonly gethHeightAfter: number;
  /** VmHWM of the follower's `alys node` process (/proc/<pid>/status), MB. */
  readonly peakRssMB: number | null;
  /** The follower's /metrics sample with the most resident memory (sampled every 2 s; VmHWM above may be higher). */
  readonly memoryAtPeak: MemorySample | null;
  /**
   * CPU seconds over the timed window: the follower node, its Geth, and the machine's busy share of
   * all its cores (the serving nodes, their Geths and Toxiproxy make up the rest). Which one filled
   * its core says what limits the rate.
   */
  readonly cpu: { readonly followerNodeSec: number | null; readonly followerGethSec: number | null; readonly machineBusyFraction: number | null };
}

/** Peak resident set of a live process, MB; null where /proc is not there. */
function peakRssMB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) / 1024;
  } catch {
    return null;
  }
}

/** A block's signature sets: the proposer's signature and the approvals' aggregate. */
const SETS_PER_BLOCK = 2;
/** The chain's only authority (it signed the prebuilt blocks). */
const SEED_SERVER = '31'.repeat(32);
/** Each serving node's own libp2p identity: the same seed would give the same peer id (the first keeps the authority's, as before). */
const serverIdentity = (i: number): string => (i === 0 ? SEED_SERVER : (0x41 + i).toString(16).repeat(32));
const SEED_FOLLOWER = '32'.repeat(32);
const SLOT_MS = 1_000;
/**
 * forkchoiceUpdated cadence of the import measurement: the pipeline's batch, but at most 128. Geth
 * (path-based state, 128 in-memory diff layers) answers newPayload SYNCING once a state-changing
 * block lies more than ~128 blocks past its head: seen at block 136 with one update per 256.
 */
const FCU_EVERY = Math.min(parallelDefaults.batchSize, 128);

async function syncOnce(strategy: 'parallel' | 'sequential', bootstrap: readonly string[], o: RealSyncOptions, genesisTimeMs: number, log: (l: string) => void): Promise<StrategyResult> {
  const geth = await startGeth();
  let follower: NodeProcess | undefined;
  try {
    const cfg = writeNodeConfig(geth, {
      authority: false,
      authorities: [publicKeyOf(SEED_SERVER)],
      seedHex: SEED_FOLLOWER,
      genesisTimeMs,
      slotDurationMs: SLOT_MS,
      bootstrap,
      maxBlocksWithoutPow: 1_000_000,
      sync: { strategy },
    });
    const t0 = performance.now();
    follower = await withCpuProf(o.cpuProfDir, strategy, () => startNodeProcess(cfg.configPath, undefined, o.logDir === undefined ? {} : { logFile: join(o.logDir, `follower-${strategy}.log`) }));
    const f = follower;
    // The clock starts when the follower knows how far it has to go (the server's first status
    // reached it): node start-up and peer discovery are not sync.
    let tTarget: number | undefined;
    let cpu: CpuWindow | undefined;
    let lastLog = 0;
    let lastSample = 0;
    const memory = new PeakMemory();
    await waitFor(
      `${strategy} sync to height ${o.blocks}`,
      async () => {
        const st = await f.call<{ head?: { height: number }; sync: { targetHeight: number; currentHeight: number; state: string } | null }>('status');
        const h = st.sync?.currentHeight ?? 0;
        if (tTarget === undefined && (st.sync?.targetHeight ?? 0) >= o.blocks) {
          tTarget = performance.now();
          cpu = new CpuWindow(new Map([['node', f.child.pid], ['geth', geth.child.pid]]));
        }
        if (performance.now() - lastSample > 2_000) {
          lastSample = performance.now();
          memory.add(await fetch(`${f.rpc}/metrics`).then((r) => r.text()).then(parseMemorySample, () => undefined));
        }
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`  ${strategy}: height ${h}, state ${st.sync?.state ?? '?'}, ${((performance.now() - t0) / 1000).toFixed(1)} s after start`);
        }
        return h >= o.blocks ? true : undefined;
      },
      o.timeoutMs,
      50,
    );
    const end = performance.now();
    const used = (cpu ?? new CpuWindow(new Map())).end();
    const peak = peakRssMB(f.child.pid);
    const seconds = (end - (tTarget ?? t0)) / 1000;
    const gethHeightAfter = await gethHeight(geth);
    // Asserted on what Geth reports, not on the node's own account.
    if (gethHeightAfter < o.blocks) throw new Error(`the follower says it synced ${o.blocks} blocks, its Geth reports height ${gethHeightAfter}`);
    return { strategy, blocks: o.blocks, seconds, secondsFromStart: (end - t0) / 1000, blocksPerSec: o.blocks / seconds, gethHeightAfter, peakRssMB: peak, memoryAtPeak: memory.peak ?? null, cpu: { followerNodeSec: used.cpuSec.node ?? null, followerGethSec: used.cpuSec.geth ?? null, machineBusyFraction: used.machineBusyFraction } };
  } finally {
    await follower?.stop('SIGTERM');
    await geth.stop();
  }
}

/** Starts the follower with --cpu-prof when asked (NODE_OPTIONS reaches the child's node). */
async function withCpuProf<T>(dir: string | undefined, name: string, start: () => Promise<T>): Promise<T> {
  if (dir === undefined) return start();
  const before = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${before ?? ''} --cpu-prof --cpu-prof-dir=${dir} --cpu-prof-name=follower-${name}.cpuprofile`.trim();
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
}

/** Signature sets per second through a one-worker pool, in jobs as sync submits them (batches of 128 sets). */
async function measureSignatureCore(): Promise<number> {
  const key = blsScheme.keyFromSeed(new Uint8Array(32).fill(5));
  const sets: SignatureSet[] = Array.from({ length: 1_024 }, (_, i) => {
    const message = new Uint8Array(32).fill(i & 0xff);
    message[1] = i >> 8;
    return { kind: 'single', publicKey: key.publicKey, message, signature: key.sign(message) };
  });
  const pool = new SignaturePool(1);
  try {
    await pool.verify(sets.slice(0, 128));
    const t = performance.now();
    for (let i = 0; i < sets.length; i += 128) {
      const r = await pool.verify(sets.slice(i, i + 128));
      if (!r.every((x) => x)) throw new Error('signature pool rejected a valid signature');
    }
    return (sets.length * 1000) / (performance.now() - t);
  } finally {
    await pool.close();
  }
}

export async function runRealSyncBench(o: RealSyncOptions, log: (line: string) => void): Promise<Record<string, unknown>> {
  ensureBinaries(log);
  // Toxiproxy first: a run that asked for a link must not go on without one (startToxiproxy throws).
  const proxy = o.link.rttMs > 0 ? await startToxiproxy() : undefined;
  const geths: GethProcess[] = [];
  const servers: NodeProcess[] = [];
  try {
    const chain = await benchChain({ blocks: o.blocks, txsPerBlock: o.txsPerBlock, callsPerBlock: o.callsPerBlock, slotDurationMs: SLOT_MS, seedHex: SEED_SERVER }, o.chainDir, log);
    const { genesisTimeMs } = chain;
    // Geth's own import rate, on a fresh Geth, one forkchoiceUpdated per batch as the pipeline does.
    // That Geth then holds the chain for the serving nodes: the others start on copies of its data.
    const g0 = await startGeth();
    geths.push(g0);
    const importCpu = new CpuWindow(new Map([['geth', g0.child.pid]]));
    const gethImport = await measureGethImport(g0, chain.payloads, FCU_EVERY);
    const importUsed = importCpu.end();
    log(`Geth imports them at ${gethImport.blocksPerSec.toFixed(1)} blocks/s with one forkchoiceUpdated per ${FCU_EVERY} (${importUsed.cpuSec.geth?.toFixed(1) ?? '?'} CPU-s, machine ${((importUsed.machineBusyFraction ?? 0) * 100).toFixed(0)} % busy)`);
    if (o.peers > 1) {
      await g0.stop();
      const copies = Array.from({ length: o.peers - 1 }, () => {
        const dir = tempDir('alys-geth-');
        cpSync(g0.dataDir, dir, { recursive: true });
        return dir;
      });
      geths[0] = await g0.restart();
      for (const dir of copies) geths.push(await startGeth({ dataDir: dir }));
    }
    const setsPerCore = await measureSignatureCore();
    const bootstrap: string[] = [];
    for (let i = 0; i < o.peers; i++) {
      const g = geths[i] as GethProcess;
      const height = await gethHeight(g);
      if (height !== o.blocks) throw new Error(`serving Geth ${i} is at height ${height}, not ${o.blocks}`);
      // The serving nodes hold the chain and produce nothing (no authority key): the target stays put.
      const cfg = writeNodeConfig(g, { authority: false, authorities: [publicKeyOf(SEED_SERVER)], seedHex: serverIdentity(i), genesisTimeMs, slotDurationMs: SLOT_MS, dataDir: copyOfChainData(chain), maxBlocksWithoutPow: 1_000_000 });
      const server = await startRecovered(cfg.configPath, undefined, o.logDir === undefined ? {} : { logFile: join(o.logDir, `server-${i}.log`) });
      servers.push(server);
      const head = await server.call<{ height: number; hash: string }>('getheadblock');
      if (head.height !== o.blocks || head.hash !== chain.headHash) throw new Error(`serving node ${i} recovered height ${head.height} (${head.hash}), expected ${o.blocks} (${chain.headHash})`);
      if (proxy === undefined) {
        bootstrap.push(...server.multiaddrs);
        continue;
      }
      const p = await proxy.client.createProxy({ name: `server-${i}`, upstream: tcpUpstream(server.multiaddrs) });
      for (const t of linkToxics(o.link)) await proxy.client.addToxic(p.name, t);
      bootstrap.push(proxyMultiaddr(p.listen, server.peerId));
    }
    log(`${o.peers} serving nodes; the follower dials ${bootstrap.join(' ')}`);
    const results: StrategyResult[] = [];
    for (const s of o.strategies) {
      log(`syncing with the ${s} strategy…`);
      const r = await syncOnce(s, bootstrap, o, genesisTimeMs, log);
      log(`  ${s}: ${r.blocksPerSec.toFixed(1)} blocks/s (${r.seconds.toFixed(1)} s); its Geth reports height ${r.gethHeightAfter}; peak RSS ${r.peakRssMB?.toFixed(0) ?? '?'} MB${r.memoryAtPeak === null ? '' : ` (largest sample: ${r.memoryAtPeak.rssMB.toFixed(0)} MB resident, heap ${r.memoryAtPeak.heapUsedMB.toFixed(0)} of ${r.memoryAtPeak.heapTotalMB.toFixed(0)} MB, outside the heap ${r.memoryAtPeak.externalMB.toFixed(0)} MB)`}`);
      results.push(r);
    }
    const par = results.find((r) => r.strategy === 'parallel');
    const seq = results.find((r) => r.strategy === 'sequential');
    const bytesPerBlock = chain.encodedBytes / o.blocks;
    const linkRate = linkBlocksPerSec(o.link, o.peers, bytesPerBlock);
    const bound = syncBound(gethImport.blocksPerSec, linkRate);
    const cores = availableParallelism();
    const cpuBoundRate = (cores * 1000) / (1000 / gethImport.blocksPerSec + (SETS_PER_BLOCK * 1000) / setsPerCore);
    return {
      benchmark: 'sync-real',
      blocks: o.blocks,
      peers: o.peers,
      link: o.link.rttMs === 0 ? { rttMs: 0, loopback: true } : { rttMs: o.link.rttMs, latencyMsEachWay: o.link.rttMs / 2, bandwidthKBps: o.link.bandwidthKBps, perConnection: true, bothDirections: true, via: 'toxiproxy' },
      chain: { transactions: chain.transactions, txsPerBlock: chain.transactions / o.blocks, transfersAsked: o.txsPerBlock, callsAsked: o.callsPerBlock, bytesPerBlock, buildSeconds: chain.buildMs / 1000, reused: chain.reused },
      parallel: par ?? null,
      sequential: seq ?? null,
      ratio: par !== undefined && seq !== undefined ? par.blocksPerSec / seq.blocksPerSec : null,
      bound: { blocksPerSec: bound.blocksPerSec, limit: bound.limit, gethImport: { forkchoiceEvery: FCU_EVERY, blocksPerSec: gethImport.blocksPerSec, seconds: gethImport.ms / 1000, gethCpuSec: importUsed.cpuSec.geth ?? null, machineBusyFraction: importUsed.machineBusyFraction }, linkBlocksPerSec: Number.isFinite(linkRate) ? linkRate : null },
      fractionOfBound: par !== undefined ? par.blocksPerSec / bound.blocksPerSec : null,
      followerPeakRssMB: Math.max(...results.map((r) => r.peakRssMB ?? 0)),
      // Geth and the signature checks share this machine's cores (an estimate: it leaves out the
      // node's own decoding and hashing, and the serving nodes' and Toxiproxy's CPU).
      cpuBound: { cores, signatureSetsPerSecPerCore: setsPerCore, blocksPerSec: cpuBoundRate },
      loadAverage: loadavg(),
      note: 'wall-clock; each follower starts from an empty data dir and a fresh Geth; seconds run from the moment the follower knows the target height (secondsFromStart includes node start-up and peer discovery)',
    };
  } finally {
    for (const s of servers) await s.stop('SIGTERM');
    for (const g of geths) await g.stop();
    await proxy?.stop();
  }
}
