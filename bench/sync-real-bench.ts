// `alys bench sync --real`: a node syncs a prebuilt chain from another node over libp2p on loopback,
// each with its own real Geth, once with the parallel strategy and once with the sequential one; the
// bound is Geth's own import rate for the same payloads (newPayload + forkchoiceUpdated, nothing
// else). Wall-clock figures: this measures the production node, not a model.
import { join } from 'node:path';
import { type NodeProcess, publicKeyOf, startNodeProcess, startRecovered, waitFor, writeNodeConfig } from '../harness/alys-node.ts';
import { ensureBinaries } from '../harness/build.ts';
import { type GethProcess, startGeth } from '../harness/geth.ts';
import { measureGethImport, prebuildChain } from '../harness/prebuilt-chain.ts';
import { tempDir } from '../harness/temp-dirs.ts';
import { availableParallelism } from 'node:os';
import { parallelDefaults } from '../src/actors/sync-actor.ts';
import type { SignatureSet } from '../src/consensus/signature-sets.ts';
import { blsScheme } from '../src/crypto/bls.ts';
import { SignaturePool } from '../src/io/prod/signature-pool.ts';

export interface RealSyncOptions {
  readonly blocks: number;
  readonly json: boolean;
  readonly strategies: ReadonlyArray<'parallel' | 'sequential'>;
  readonly timeoutMs: number;
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
}

/** A block's signature sets: the proposer's signature and the approvals' aggregate. */
const SETS_PER_BLOCK = 2;
const SEED_SERVER = '31'.repeat(32);
const SEED_FOLLOWER = '32'.repeat(32);
const SLOT_MS = 1_000;

async function gethHeight(geth: GethProcess): Promise<number> {
  const r = await fetch(geth.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) });
  return Number(((await r.json()) as { result: string }).result);
}

async function syncOnce(strategy: 'parallel' | 'sequential', server: NodeProcess, o: RealSyncOptions, genesisTimeMs: number, log: (l: string) => void): Promise<StrategyResult> {
  const geth = await startGeth();
  let follower: NodeProcess | undefined;
  try {
    const cfg = writeNodeConfig(geth, {
      authority: false,
      authorities: [publicKeyOf(SEED_SERVER)],
      seedHex: SEED_FOLLOWER,
      genesisTimeMs,
      slotDurationMs: SLOT_MS,
      bootstrap: server.multiaddrs,
      maxBlocksWithoutPow: 1_000_000,
      sync: { strategy },
    });
    const t0 = performance.now();
    follower = await startNodeProcess(cfg.configPath);
    const f = follower;
    // The clock starts when the follower knows how far it has to go (the server's first status
    // reached it): node start-up and peer discovery are not sync.
    let tTarget: number | undefined;
    let lastLog = 0;
    await waitFor(
      `${strategy} sync to height ${o.blocks}`,
      async () => {
        const st = await f.call<{ head?: { height: number }; sync: { targetHeight: number; currentHeight: number; state: string } | null }>('status');
        const h = st.sync?.currentHeight ?? 0;
        if (tTarget === undefined && (st.sync?.targetHeight ?? 0) >= o.blocks) tTarget = performance.now();
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
    const seconds = (end - (tTarget ?? t0)) / 1000;
    const gethHeightAfter = await gethHeight(geth);
    // Asserted on what Geth reports, not on the node's own account.
    if (gethHeightAfter < o.blocks) throw new Error(`the follower says it synced ${o.blocks} blocks, its Geth reports height ${gethHeightAfter}`);
    return { strategy, blocks: o.blocks, seconds, secondsFromStart: (end - t0) / 1000, blocksPerSec: o.blocks / seconds, gethHeightAfter };
  } finally {
    await follower?.stop('SIGTERM');
    await geth.stop();
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
  // The chain's slots lie in the past, so every block's timestamp is older than now.
  const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 - (o.blocks + 120) * SLOT_MS;
  const gethA = await startGeth();
  let server: NodeProcess | undefined;
  try {
    const dataDir = join(tempDir('alys-bench-'), 'data');
    log(`building ${o.blocks} blocks on Geth through the Engine API…`);
    const chain = await prebuildChain({ geth: gethA, seedHex: SEED_SERVER, blocks: o.blocks, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir });
    log(`built in ${(chain.buildMs / 1000).toFixed(1)} s; measuring Geth's own import rate on a fresh Geth…`);
    // Two bounds, each on a fresh Geth: the payloads with a head update after every block (what the
    // sequential strategy must do), and with one per batch (the least the pipeline needs).
    const importRate = async (every: number) => {
      const g = await startGeth();
      try {
        return await measureGethImport(g, chain.payloads, every);
      } finally {
        await g.stop();
      }
    };
    const perBlock = await importRate(1);
    const bound = await importRate(parallelDefaults.batchSize);
    const setsPerCore = await measureSignatureCore();
    log(`Geth imports them at ${perBlock.blocksPerSec.toFixed(1)} blocks/s with a head update per block, ${bound.blocksPerSec.toFixed(1)} with one per ${parallelDefaults.batchSize}`);
    // The serving node holds the chain and produces nothing (no authority key): the target stays put.
    const cfg = writeNodeConfig(gethA, { authority: false, authorities: [publicKeyOf(SEED_SERVER)], seedHex: SEED_SERVER, genesisTimeMs, slotDurationMs: SLOT_MS, dataDir, maxBlocksWithoutPow: 1_000_000 });
    server = await startRecovered(cfg.configPath);
    const head = await server.call<{ height: number; hash: string }>('getheadblock');
    if (head.height !== o.blocks || head.hash !== chain.headHash) throw new Error(`the serving node recovered height ${head.height} (${head.hash}), expected ${o.blocks} (${chain.headHash})`);
    const results: StrategyResult[] = [];
    for (const s of o.strategies) {
      log(`syncing with the ${s} strategy…`);
      const r = await syncOnce(s, server, o, genesisTimeMs, log);
      log(`  ${s}: ${r.blocksPerSec.toFixed(1)} blocks/s (${r.seconds.toFixed(1)} s); its Geth reports height ${r.gethHeightAfter}`);
      results.push(r);
    }
    const par = results.find((r) => r.strategy === 'parallel');
    const seq = results.find((r) => r.strategy === 'sequential');
    return {
      benchmark: 'sync-real',
      blocks: o.blocks,
      buildSeconds: chain.buildMs / 1000,
      parallel: par ?? null,
      sequential: seq ?? null,
      ratio: par !== undefined && seq !== undefined ? par.blocksPerSec / seq.blocksPerSec : null,
      bound: { stage: 'geth-import', forkchoiceEvery: parallelDefaults.batchSize, blocksPerSec: bound.blocksPerSec, seconds: bound.ms / 1000 },
      // Geth and the signature checks share this machine's cores: CPU ms per block of each, summed,
      // spread over the cores (an estimate: it leaves out the node's own decoding and hashing).
      cpuBound: {
        cores: availableParallelism(),
        gethMsPerBlock: 1000 / bound.blocksPerSec,
        signatureSetsPerSecPerCore: setsPerCore,
        signatureMsPerBlock: (SETS_PER_BLOCK * 1000) / setsPerCore,
        blocksPerSec: (availableParallelism() * 1000) / (1000 / bound.blocksPerSec + (SETS_PER_BLOCK * 1000) / setsPerCore),
      },
      gethImportPerBlockForkchoice: { blocksPerSec: perBlock.blocksPerSec, seconds: perBlock.ms / 1000 },
      fractionOfBound: par !== undefined ? par.blocksPerSec / bound.blocksPerSec : null,
      fractionOfCpuBound: par !== undefined ? par.blocksPerSec / ((availableParallelism() * 1000) / (1000 / bound.blocksPerSec + (SETS_PER_BLOCK * 1000) / setsPerCore)) : null,
      sequentialFractionOfPerBlockImport: seq !== undefined ? seq.blocksPerSec / perBlock.blocksPerSec : null,
      note: 'wall-clock; each follower starts from an empty data dir and a fresh Geth; seconds run from the moment the follower knows the target height (secondsFromStart includes node start-up and peer discovery)',
    };
  } finally {
    await server?.stop('SIGTERM');
    await gethA.stop();
  }
}
