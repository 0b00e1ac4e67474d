// The chain the real sync benchmark syncs: built on a real Geth through the Engine API (at 100
// transactions a block that takes about 0.2 s a block, half of it signing), or, with --chain-dir,
// kept there and reused by later runs that ask for the same chain. Geth's genesis is fixed
// (harness/geth.ts devGenesis), so payloads built once import on any fresh Geth.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { startGeth } from '../harness/geth.ts';
import { chainTxs } from '../harness/chain-txs.ts';
import { type PrebuiltChain, prebuildChain, readPrebuilt } from '../harness/prebuilt-chain.ts';
import { tempDir } from '../harness/temp-dirs.ts';

export interface ChainShape {
  readonly blocks: number;
  readonly txsPerBlock: number;
  readonly callsPerBlock: number;
  readonly slotDurationMs: number;
  /** The authority that signs every block. */
  readonly seedHex: string;
}

export interface BenchChain extends PrebuiltChain {
  /** A node data directory holding the chain: copy it before a node opens it (it is the cache). */
  readonly dataDir: string;
  readonly genesisTimeMs: number;
  /** Whether it came from --chain-dir rather than being built now. */
  readonly reused: boolean;
}

const Manifest = z.object({
  version: z.literal(1),
  blocks: z.number().int(),
  txsPerBlock: z.number().int(),
  callsPerBlock: z.number().int(),
  slotDurationMs: z.number().int(),
  seedHex: z.string(),
  genesisTimeMs: z.number().int(),
  buildMs: z.number(),
  headHash: z.string(),
});
type Manifest = z.infer<typeof Manifest>;

/** How long Geth's payload builder gets to fill a block from its pool before getPayload. */
const BUILD_WAIT_MS = 40;
const MANIFEST = 'chain.json';

const sameShape = (m: Manifest, s: ChainShape): boolean =>
  m.blocks === s.blocks && m.txsPerBlock === s.txsPerBlock && m.callsPerBlock === s.callsPerBlock && m.slotDurationMs === s.slotDurationMs && m.seedHex === s.seedHex;

const describeShape = (s: Pick<ChainShape, 'blocks' | 'txsPerBlock' | 'callsPerBlock'>): string => `${s.blocks} blocks of ${s.txsPerBlock} transfers and ${s.callsPerBlock} contract calls`;

/**
 * The chain for a run. With `chainDir`: reused when its manifest names the same shape; built into it
 * when it holds none; refused when it holds another chain (a run never overwrites what it did not
 * build). The manifest is written last, so a build cut short is found and built again.
 */
export async function benchChain(shape: ChainShape, chainDir: string | undefined, log: (l: string) => void): Promise<BenchChain> {
  if (chainDir !== undefined && existsSync(join(chainDir, MANIFEST))) return reuseChain(shape, chainDir, log);
  const dataDir = join(chainDir ?? tempDir('alys-bench-'), 'data');
  if (existsSync(dataDir)) {
    log(`${dataDir} holds a build cut short (no ${MANIFEST}): building again`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  // The chain's slots lie in the past, so every block's timestamp is older than now (and stays so
  // for any later run that reuses it).
  const genesisTimeMs = Math.floor(Date.now() / 1_000) * 1_000 - (shape.blocks + 120) * shape.slotDurationMs;
  const geth = await startGeth();
  try {
    const txs = chainTxs(geth, { transfers: shape.txsPerBlock, calls: shape.callsPerBlock });
    log(`building ${describeShape(shape)} on Geth through the Engine API…`);
    const withTxs = shape.txsPerBlock + shape.callsPerBlock > 0;
    const chain = await prebuildChain({ geth, seedHex: shape.seedHex, blocks: shape.blocks, genesisTimeMs, slotDurationMs: shape.slotDurationMs, dataDir, ...(withTxs ? { beforeBlock: txs.beforeBlock, whileBuilding: txs.whileBuilding, buildWaitMs: BUILD_WAIT_MS } : {}) });
    log(`built in ${(chain.buildMs / 1000).toFixed(1)} s: ${chain.transactions} transactions (${txs.sent()} sent), ${(chain.encodedBytes / shape.blocks / 1024).toFixed(1)} KiB per block on the wire`);
    if (chainDir !== undefined) {
      const manifestPath = join(chainDir, MANIFEST);
      const m: Manifest = { version: 1, ...shape, genesisTimeMs, buildMs: chain.buildMs, headHash: chain.headHash };
      writeFileSync(`${manifestPath}.tmp`, JSON.stringify(m, null, 2));
      renameSync(`${manifestPath}.tmp`, manifestPath);
      log(`kept in ${chainDir} for later runs (--chain-dir ${chainDir})`);
    }
    return { ...chain, dataDir, genesisTimeMs, reused: false };
  } finally {
    await geth.stop();
  }
}

/** The chain an earlier run kept in `chainDir`, checked against its manifest and the shape asked for. */
async function reuseChain(shape: ChainShape, chainDir: string, log: (l: string) => void): Promise<BenchChain> {
  let m: Manifest;
  try {
    m = Manifest.parse(JSON.parse(readFileSync(join(chainDir, MANIFEST), 'utf8')));
  } catch (err) {
    throw new Error(`--chain-dir ${chainDir}: ${MANIFEST} is not a chain manifest (${(err as Error).message.split('\n')[0]}); remove the directory to build again`);
  }
  if (!sameShape(m, shape)) throw new Error(`--chain-dir ${chainDir} holds ${describeShape(m)} (slot ${m.slotDurationMs} ms), not the ${describeShape(shape)} asked for: choose another directory or remove it`);
  const dataDir = join(chainDir, 'data');
  const read = await readPrebuilt(dataDir);
  if (read.blocks !== m.blocks || read.headHash !== m.headHash) throw new Error(`--chain-dir ${chainDir}: its data holds ${read.blocks} blocks with head ${read.headHash}, its manifest says ${m.blocks} with head ${m.headHash}; remove the directory to build again`);
  log(`reusing the chain in ${chainDir} (built in ${(m.buildMs / 1000).toFixed(1)} s by an earlier run)`);
  return { ...read, buildMs: m.buildMs, dataDir, genesisTimeMs: m.genesisTimeMs, reused: true };
}

/** A private copy of the chain's data directory for one node (LevelDB is single-process, and the cache stays as built). */
export function copyOfChainData(chain: Pick<BenchChain, 'dataDir'>): string {
  const dir = join(tempDir('alys-bench-'), 'data');
  cpSync(chain.dataDir, dir, { recursive: true });
  return dir;
}
