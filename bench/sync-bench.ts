// `alys bench sync` / `npm run bench:sync`: one seeded world (the simulation's one World, with the
// sync app: sim/sync/run.ts) synced with both strategies in the same run. Blocks/s are in simulated
// time (network, execution and signature costs are modelled); the bound is the slowest stage of the
// pipeline; wall-clock figures say what the simulation cost.
import { parseArgs } from 'node:util';
import { parallelDefaults, sequentialDefaults } from '../src/actors/sync-actor.ts';
import { blsScheme } from '../src/crypto/bls.ts';
import { sourceFor } from '../sim/sync/app.ts';
import { runSyncWorld, syncScenario } from '../sim/sync/run.ts';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import { parseRealSyncArgs } from './sync-real-args.ts';
import type { SignatureSet } from '../src/consensus/signature-sets.ts';
import { SignaturePool } from '../src/io/prod/signature-pool.ts';

/**
 * The production signature stage, measured: verifications/s in-thread and through the worker pool
 * with `cores` workers. It checks the model: the simulated pool charges cores × 1000 / verifyMs.
 */
async function measurePool(cores: number): Promise<{ inThreadPerSec: number; poolPerSec: number; workers: number }> {
  const key = blsScheme.keyFromSeed(new Uint8Array(32).fill(5));
  const sets: SignatureSet[] = Array.from({ length: 400 }, (_, i) => {
    const message = new Uint8Array(32).fill(i & 0xff);
    return { kind: 'single', publicKey: key.publicKey, message, signature: key.sign(message) };
  });
  const t0 = performance.now();
  for (const s of sets) if (s.kind === 'single') blsScheme.verify(s.publicKey, s.message, s.signature);
  const inThreadMs = performance.now() - t0;
  const pool = new SignaturePool(cores);
  try {
    await pool.verify(sets.slice(0, cores * 4));
    const t1 = performance.now();
    // Sixteen blocks' worth of sets in flight at a time, as the validation actors submit them.
    const chunks: Array<Promise<readonly boolean[]>> = [];
    for (let i = 0; i < sets.length; i += 25) chunks.push(pool.verify(sets.slice(i, i + 25)));
    const ok = (await Promise.all(chunks)).flat().every((x) => x);
    if (!ok) throw new Error('signature pool rejected a valid signature');
    const poolMs = performance.now() - t1;
    return { inThreadPerSec: (sets.length * 1000) / inThreadMs, poolPerSec: (sets.length * 1000) / poolMs, workers: cores };
  } finally {
    await pool.close();
  }
}

/** Measures real BLS verification here, now: the modelled per-check cost of the simulated pool. */
function measureBlsVerifyMs(): number {
  const key = blsScheme.keyFromSeed(new Uint8Array(32).fill(3));
  const msg = new Uint8Array(32).fill(1);
  const sig = key.sign(msg);
  blsScheme.verify(key.publicKey, msg, sig);
  const n = 30;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) blsScheme.verify(key.publicKey, msg, sig);
  return (performance.now() - t0) / n;
}

export async function benchSync(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        blocks: { type: 'string', default: '10000' },
        peers: { type: 'string', default: '3' },
        'byzantine-peers': { type: 'string', default: '0' },
        rtt: { type: 'string', default: '50' },
        'bandwidth-kbps': { type: 'string', default: '400' },
        'exec-ms': { type: 'string', default: '1.2' },
        'fcu-ms': { type: 'string', default: '0.6' },
        'batch-size': { type: 'string', default: String(parallelDefaults.batchSize) },
        cores: { type: 'string', default: '2' },
        seed: { type: 'string', default: '1' },
        crypto: { type: 'string', default: 'bls' },
        real: { type: 'boolean', default: false },
        strategy: { type: 'string' },
        'timeout-s': { type: 'string', default: '900' },
        'txs-per-block': { type: 'string', default: '100' },
        'calls-per-block': { type: 'string', default: '3' },
        /** --real: a directory for V8 CPU profiles of the follower. */
        'cpu-prof': { type: 'string' },
        /** --real: a directory for the followers' logs. */
        'log-dir': { type: 'string' },
        /** --real: keep the built chain here, and reuse it when a later run asks for the same one. */
        'chain-dir': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (v.real) {
    // A real node syncing from real serving nodes over Toxiproxy links, each with its own Geth.
    const given = (flag: string) => argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
    const a = parseRealSyncArgs({
      ...(given('blocks') ? { blocks: v.blocks } : {}),
      ...(v.strategy !== undefined ? { strategy: v.strategy } : {}),
      'timeout-s': v['timeout-s'],
      rtt: v.rtt,
      'bandwidth-kbps': v['bandwidth-kbps'],
      peers: v.peers,
      'txs-per-block': v['txs-per-block'],
      'calls-per-block': v['calls-per-block'],
    });
    const { runRealSyncBench } = await import('./sync-real-bench.ts');
    const result = await runRealSyncBench({ ...a, json: v.json, ...(v['cpu-prof'] !== undefined ? { cpuProfDir: v['cpu-prof'] } : {}), ...(v['log-dir'] !== undefined ? { logDir: v['log-dir'] } : {}), ...(v['chain-dir'] !== undefined ? { chainDir: v['chain-dir'] } : {}) }, (l) => {
      // Progress goes to stderr even with --json: a run takes many minutes, and stdout stays one JSON object.
      process.stderr.write(`${l}\n`);
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const blocks = parsePositiveInt(v.blocks, '--blocks');
  const peers = parsePositiveInt(v.peers, '--peers');
  const byz = Number(v['byzantine-peers']);
  if (!Number.isInteger(byz) || byz < 0 || byz >= peers) throw new UsageError('--byzantine-peers must be at least 0 and fewer than --peers');
  const rttMs = parsePositiveInt(v.rtt, '--rtt');
  const bandwidthBytesPerMs = parsePositiveInt(v['bandwidth-kbps'], '--bandwidth-kbps');
  const execMs = Number(v['exec-ms']);
  const forkchoiceMs = Number(v['fcu-ms']);
  if (!(execMs >= 0) || !(forkchoiceMs >= 0)) throw new UsageError('--exec-ms and --fcu-ms must be numbers of milliseconds, 0 or more');
  const cores = parsePositiveInt(v.cores, '--cores');
  const batchSize = parsePositiveInt(v['batch-size'], '--batch-size');
  const seed = parsePositiveInt(v.seed, '--seed');

  if (v.crypto !== 'bls' && v.crypto !== 'sim') throw new UsageError(`--crypto must be bls or sim, got '${v.crypto}'`);
  // Real BLS by default: blocks are signed and every signature is verified with blst (wall time);
  // the simulated validation pool charges the measured cost per check in virtual time.
  const crypto: 'bls' | 'sim' = v.crypto;
  const verifyMs = measureBlsVerifyMs();
  const t0 = performance.now();
  const maxSimMs = 24 * 3_600_000;
  const world = { blocks, crypto, seed, peers, byzantinePeers: byz, rttMs, bandwidthBytesPerMs, execMs, forkchoiceMs, maxSimMs };
  // The same chain the run's serving peers hold (built once, kept for both runs).
  const chain = sourceFor(syncScenario({ ...world, config: parallelDefaults, cores, verifyCostMs: verifyMs })).honest;
  const buildMs = performance.now() - t0;
  // Sequential checks signatures in-thread (the measured single-core cost); parallel through the
  // worker pool, charged at the pool's measured throughput on this machine, not an ideal per core.
  const poolMeasured = await measurePool(cores);
  const poolVerifyMs = (cores * 1000) / poolMeasured.poolPerSec;
  const ts = performance.now();
  const sequential = await runSyncWorld({ ...world, config: sequentialDefaults, cores: 1, byzantinePeers: 0, verifyCostMs: verifyMs });
  const seqWall = performance.now() - ts;
  const tp = performance.now();
  const parallel = await runSyncWorld({ ...world, config: { ...parallelDefaults, batchSize }, cores, verifyCostMs: poolVerifyMs });
  const parWall = performance.now() - tp;

  const honest = peers - byz;
  const stages = {
    execution: execMs > 0 ? 1000 / execMs : Number.POSITIVE_INFINITY,
    bandwidth: (honest * bandwidthBytesPerMs * 1000) / chain.avgBlockBytes,
    signatures: poolMeasured.poolPerSec / 2,
  };
  const bound = Math.min(stages.execution, stages.bandwidth, stages.signatures);
  const slowest = (Object.entries(stages).find(([, x]) => x === bound) ?? ['?'])[0];
  const r = (x: number) => Math.round(x * 10) / 10;
  const result = {
    blocks,
    peers,
    byzantinePeers: byz,
    rttMs,
    bandwidthBytesPerMsPerPeer: bandwidthBytesPerMs,
    execMsPerBlock: execMs,
    forkchoiceMs,
    crypto: v.crypto,
    blsVerifyMsMeasured: r(verifyMs * 1000) / 1000,
    avgBlockBytes: Math.round(chain.avgBlockBytes),
    sequential: { blocksPerSec: r(sequential.blocksPerSec), simulatedMs: Math.round(sequential.simulatedMs), synced: sequential.ok, executed: sequential.executed, wallMs: Math.round(seqWall) },
    parallel: { blocksPerSec: r(parallel.blocksPerSec), simulatedMs: Math.round(parallel.simulatedMs), synced: parallel.ok, executed: parallel.executed, wallMs: Math.round(parWall), batchSize },
    ratio: r(parallel.blocksPerSec / Math.max(1e-9, sequential.blocksPerSec)),
    bound: r(bound),
    slowestStage: slowest,
    stageBounds: { execution: r(stages.execution), bandwidth: r(stages.bandwidth), signatures: r(stages.signatures) },
    fractionOfBound: Math.round((parallel.blocksPerSec / bound) * 1000) / 1000,
    goals: { ratio: 5, fractionOfBound: 0.9 },
    chainBuildWallMs: Math.round(buildMs),
    signaturePool: {
      workers: poolMeasured.workers,
      inThreadVerificationsPerSec: Math.round(poolMeasured.inThreadPerSec),
      poolVerificationsPerSec: Math.round(poolMeasured.poolPerSec),
      idealVerificationsPerSec: Math.round((cores * 1000) / verifyMs),
    },
  };
  if (!v.json) {
    process.stdout.write(
      `sync ${blocks} blocks from ${peers} peers (${byz} Byzantine), ${rttMs} ms RTT: sequential ${result.sequential.blocksPerSec} blocks/s, parallel ${result.parallel.blocksPerSec} blocks/s (${result.ratio}x); bound ${result.bound} (${slowest}), ${Math.round(result.fractionOfBound * 100)} % of it\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return sequential.ok && parallel.ok ? 0 : 1;
}
