// A chain built ahead of time, for benchmarks that need a node already holding thousands of blocks
// without waiting one slot per block: empty blocks built on a real Geth through the Engine API as
// fast as Geth answers, signed (and approved) by the chain's only authority, and written into a
// LevelDB in the node's storage layout, so that `alys node` on that data directory recovers them.
//
// Nothing here re-implements the node's rules: the Engine API client (EngineApiClient), the
// execution genesis (genesisPayload) and the consensus genesis (genesisBlock), slot math (aura),
// withdrawals (withdrawalsFor), signatures (signBlock, approve, aggregateApprovals), the block hash
// and codec, and the storage keys and values — the storage actor's own 'put-block' handler writes
// them, into a buffer that is flushed to LevelStorage in large batches.
import { join } from 'node:path';
import { storageActor, type StorageMsg } from '../src/actors/storage-actor.ts';
import { checksummedStorage } from '../src/io/checksummed-storage.ts';
import { genesisBlock } from '../src/chain/genesis.ts';
import { blockHash, encodeBlock } from '../src/codec/block-codec.ts';
import { proposerIndexFor, slotStartMs } from '../src/consensus/aura.ts';
import { aggregateApprovals, approve, signBlock } from '../src/consensus/sign-block.ts';
import { withdrawalsFor } from '../src/bridge/peg-in-rules.ts';
import { blsScheme } from '../src/crypto/bls.ts';
import type { BatchOp, StorageIO, WriteOptions } from '../src/io/storage.ts';
import type { PayloadStatus } from '../src/io/execution.ts';
import { EngineApiClient } from '../src/io/prod/engine-client.ts';
import { readJwtSecret } from '../src/io/prod/jwt.ts';
import { LevelStorage } from '../src/io/prod/level-storage.ts';
import type { ActorContext } from '../src/kernel/actor.ts';
import { noBugs } from '../src/kernel/bugs.ts';
import type { ConsensusBlock, ExecutionPayload } from '../src/types/chain.ts';
import { fromHex, toHex } from '../src/types/hex.ts';
import type { GethProcess } from './geth.ts';

export interface PrebuiltChain {
  /** Consensus blocks written (heights 1..blocks). */
  readonly blocks: number;
  /**
   * Consensus block hash of the head, as the node's JSON-RPC spells consensus hashes (getheadblock's
   * `hash`): lowercase hex without 0x, so the two compare equal.
   */
  readonly headHash: string;
  /** Execution payloads in order (for measureGethImport). */
  readonly payloads: readonly ExecutionPayload[];
  readonly buildMs: number;
  /** Bytes of the signed blocks as the wire codec encodes them (what a sync link carries). */
  readonly encodedBytes: number;
  /** Transactions in the built payloads. */
  readonly transactions: number;
}

/** Blocks per LevelDB write batch. */
const BATCH_BLOCKS = 256;
/** The fee recipient the production node builds with (src/io/prod/node-runtime.ts). */
const FEE_RECIPIENT = new Uint8Array(20);
/** Builds of one block before giving up; the wait doubles each time (40 ms grows to 2.5 s). */
const MAX_BUILD_ATTEMPTS = 7;
/** The prevRandao of a block's build `attempt`: zero at first, as the node builds. */
const randaoFor = (attempt: number): Uint8Array => {
  const r = new Uint8Array(32);
  r[31] = attempt;
  return r;
};

/** Where the node keeps its LevelDB inside its data directory (src/io/prod/node-runtime.ts). */
export const nodeDbDir = (dataDir: string): string => join(dataDir, 'db');

function engineFor(geth: GethProcess): EngineApiClient {
  // As the node connects (node-runtime.ts), with the default V2-only migration mode of the config.
  return new EngineApiClient({ engineUrl: geth.engineUrl, rpcUrl: geth.rpcUrl, jwtSecret: readJwtSecret(geth.jwtPath), mode: 'v2-only', timeoutMs: 30_000 });
}

function expectValid(what: string, s: PayloadStatus): void {
  if (s.status !== 'VALID') throw new Error(`${what}: Geth answered ${s.status}${s.status === 'INVALID' ? ` (${s.validationError})` : ''}`);
}

/**
 * A StorageIO that holds writes back until flush(): the storage actor's handlers write one synced
 * batch per block, which at thousands of blocks would be thousands of fsyncs.
 */
class BufferedStorage implements StorageIO {
  private ops: BatchOp[] = [];
  constructor(private readonly inner: LevelStorage) {}
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  scan(prefix: string): Promise<Array<readonly [string, Uint8Array]>> {
    return this.inner.scan(prefix);
  }
  write(ops: readonly BatchOp[], _options: WriteOptions): Promise<void> {
    this.ops.push(...ops);
    return Promise.resolve();
  }
  sync(): Promise<void> {
    return this.flush();
  }
  async flush(): Promise<void> {
    const ops = this.ops;
    this.ops = [];
    await this.inner.write(ops, { sync: true });
  }
}

/** The storage actor's handler table over `io`: its keys and values, not a copy of them. */
function storageHandlers(io: StorageIO) {
  // The storage actor's handlers never touch their context (no timers, asks or lookups).
  const ctx = undefined as unknown as ActorContext<StorageMsg>;
  const { handlers } = storageActor(io, noBugs).create(ctx);
  return {
    putBlock: (m: Extract<StorageMsg, { type: 'put-block' }>) => handlers['put-block'](m, ctx),
    load: () => handlers.load({ type: 'load' }, ctx),
  };
}

/**
 * Builds `blocks` empty blocks on `geth` through the Engine API, signs them as the chain's only
 * authority (seedHex), and writes them into a LevelDB at dataDir in the node's storage layout, so
 * that `alys node` started on that dataDir (with a config using the same authorities, genesisTimeMs
 * and slotDurationMs) recovers them as its chain.
 *
 * `dataDir` is the node config's dataDir (the database goes to `<dataDir>/db`, as the node opens
 * it). Geth must be fresh (at its genesis). Block i sits at slot i with timestamp
 * slotStartMs(i) / 1000 s, so genesisTimeMs must lie at least blocks * slotDurationMs in the past and
 * the slots must fall in distinct seconds. Finalized stays at genesis (no AuxPow): the node's config
 * needs maxBlocksWithoutPow above `blocks` to produce or import on top.
 */
/**
 * `beforeBlock`: called before each block is built, puts the block's transactions into Geth's pool
 * and returns how many. The build then gets `buildWaitMs` to fill the block before getPayload takes
 * what Geth has, spent on `whileBuilding` where given (work for the next block that Geth's build
 * does not wait on). Geth answers getPayload with its empty payload when its first full build has
 * not finished (miner Payload.Resolve), which a busy machine makes common: a payload carrying fewer
 * transactions than were pooled is dropped and built again with a longer wait, so every block
 * carries the transactions meant for it and the chain's shape does not depend on the machine.
 */
export async function prebuildChain(o: {
  geth: GethProcess;
  seedHex: string;
  blocks: number;
  genesisTimeMs: number;
  slotDurationMs: number;
  dataDir: string;
  beforeBlock?: (height: number) => Promise<number>;
  whileBuilding?: (height: number) => Promise<void>;
  buildWaitMs?: number;
}): Promise<PrebuiltChain> {
  if (!Number.isInteger(o.blocks) || o.blocks < 1) throw new RangeError(`blocks must be a positive integer, not ${o.blocks}`);
  const spec = { genesisTimeMs: o.genesisTimeMs, slotDurationMs: o.slotDurationMs };
  const lastSlotMs = slotStartMs(o.blocks, spec);
  if (lastSlotMs > Date.now()) throw new RangeError(`slot ${o.blocks} starts ${lastSlotMs - Date.now()} ms in the future: move genesisTimeMs back`);
  const key = blsScheme.keyFromSeed(fromHex(o.seedHex));
  const n = 1;
  const engine = engineFor(o.geth);
  if ((await engine.blockNumber()) !== 0n) throw new Error('prebuildChain needs a fresh Geth (its head is past block 0)');
  const executionGenesis = await engine.genesisPayload();
  const genesis = genesisBlock(n, executionGenesis);
  const finalizedPayloadHash = executionGenesis.blockHash;

  const db = await LevelStorage.open(nodeDbDir(o.dataDir));
  let flushing: Promise<void> = Promise.resolve();
  try {
    if ((await db.scan('chain/h/')).length > 0) throw new Error(`${o.dataDir} already holds a chain`);
    const buffered = new BufferedStorage(db);
    // Sealed as the node seals every record (src/node/assemble.ts), or it would find them corrupt.
    const storage = storageHandlers(checksummedStorage(buffered));
    const payloads: ExecutionPayload[] = [];
    let parentHash = genesis.hash;
    let parentPayload = executionGenesis;
    let lastTimestamp = executionGenesis.timestamp;
    let encodedBytes = 0;
    let transactions = 0;
    const start = performance.now();
    for (let height = 1; height <= o.blocks; height++) {
      const slot = height;
      // The chain actor's 'build' (src/actors/chain-actor.ts onSlot, src/actors/engine-actor.ts):
      // forkchoiceUpdated on the parent with attributes, then getPayload (at once for empty blocks).
      const timestampSec = Math.floor(slotStartMs(slot, spec) / 1000);
      if (timestampSec <= lastTimestamp) throw new RangeError(`slot ${slot}'s timestamp ${timestampSec} s does not follow its parent's ${lastTimestamp} s: slots must fall in distinct seconds`);
      lastTimestamp = timestampSec;
      const pooled = (await o.beforeBlock?.(height)) ?? 0;
      let payload: ExecutionPayload | undefined;
      for (let attempt = 0; payload === undefined; attempt++) {
        // Geth keeps a resolved payload under its id and answers the same attributes with it, so a
        // rebuild asks with another prevRandao (which the node does not check).
        const prevRandao = randaoFor(attempt);
        const fcu = await engine.forkchoiceUpdated(
          { headBlockHash: parentPayload.blockHash, safeBlockHash: finalizedPayloadHash, finalizedBlockHash: finalizedPayloadHash },
          { timestamp: timestampSec, prevRandao, suggestedFeeRecipient: FEE_RECIPIENT, withdrawals: withdrawalsFor([], height) },
        );
        expectValid(`forkchoiceUpdated for height ${height}`, fcu.status);
        if (fcu.payloadId === undefined) throw new Error(`forkchoiceUpdated for height ${height}: Geth started no payload build`);
        const building = performance.now();
        if (attempt === 0) await o.whileBuilding?.(height);
        const left = (o.buildWaitMs ?? 0) * 2 ** attempt - (performance.now() - building);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
        const built = await engine.getPayload(fcu.payloadId);
        if (built.transactions.length >= pooled) payload = built;
        else if (attempt === MAX_BUILD_ATTEMPTS - 1) throw new Error(`height ${height}: Geth built ${built.transactions.length} of the ${pooled} transactions pooled for it, ${MAX_BUILD_ATTEMPTS} times`);
      }
      transactions += payload.transactions.length;
      // The import ('execute'): the next forkchoiceUpdated then makes it Geth's head.
      expectValid(`newPayload for height ${height}`, await engine.newPayload(payload));
      const message: ConsensusBlock = { parentHash, slot, height, executionPayload: payload, auxPowHeader: null, pegIns: [], pegOutProposals: [], finalizedPegOuts: [] };
      const proposer = proposerIndexFor(slot, n);
      const unapproved = signBlock(message, proposer, key, n);
      const hash = blockHash(message);
      // Accepted with the quorum's aggregate approval (chain-actor tryAccept): one authority, its own.
      const signed = { ...unapproved, approvals: aggregateApprovals(n, new Map([[proposer, approve(hash, key)]]), blsScheme) };
      encodedBytes += encodeBlock(signed).length;
      await storage.putBlock({ type: 'put-block', block: signed, hash });
      payloads.push(payload);
      parentHash = hash;
      parentPayload = payload;
      if (height % BATCH_BLOCKS === 0 || height === o.blocks) {
        // One batch in flight while the next blocks are built; batches stay in order.
        await flushing;
        flushing = buffered.flush();
      }
    }
    // The commit of the head (chain-actor commitHead).
    const head = await engine.forkchoiceUpdated({ headBlockHash: parentPayload.blockHash, safeBlockHash: finalizedPayloadHash, finalizedBlockHash: finalizedPayloadHash });
    expectValid('forkchoiceUpdated to the head', head.status);
    await flushing;
    const buildMs = performance.now() - start;
    return { blocks: o.blocks, headHash: toHex(parentHash), payloads, buildMs, encodedBytes, transactions };
  } finally {
    await flushing.catch(() => undefined);
    await db.close();
  }
}

/**
 * Geth's own import rate for these payloads: newPayload then forkchoiceUpdated (head = that block,
 * safe and finalized at genesis, as the node commits them) for each, in order, on a fresh Geth
 * (same genesis).
 */
/**
 * `forkchoiceEvery`: 1 moves Geth's head after every block (the legacy import path, and the
 * sequential strategy); 256 once per batch of the parallel pipeline, the least it needs.
 */
export async function measureGethImport(
  geth: GethProcess,
  payloads: readonly ExecutionPayload[],
  forkchoiceEvery = 1,
): Promise<{ readonly blocks: number; readonly ms: number; readonly blocksPerSec: number }> {
  const engine = engineFor(geth);
  if ((await engine.blockNumber()) !== 0n) throw new Error('measureGethImport needs a fresh Geth (its head is past block 0)');
  const genesisHash = await engine.genesisHash();
  const first = payloads[0];
  if (first !== undefined && toHex(first.parentHash) !== toHex(genesisHash)) throw new Error('the payloads do not start on this Geth\'s genesis');
  const start = performance.now();
  for (const [i, p] of payloads.entries()) {
    expectValid(`newPayload for block ${p.blockNumber}`, await engine.newPayload(p));
    if ((i + 1) % forkchoiceEvery !== 0 && i !== payloads.length - 1) continue;
    const r = await engine.forkchoiceUpdated({ headBlockHash: p.blockHash, safeBlockHash: genesisHash, finalizedBlockHash: genesisHash });
    expectValid(`forkchoiceUpdated to block ${p.blockNumber}`, r.status);
  }
  const ms = performance.now() - start;
  return { blocks: payloads.length, ms, blocksPerSec: ms > 0 ? (payloads.length * 1000) / ms : 0 };
}

/**
 * A prebuilt chain read back from its data directory as the node's storage actor loads it: what
 * prebuildChain returned, but buildMs (the caller kept it) — so a benchmark can reuse a chain built
 * by an earlier run.
 */
export async function readPrebuilt(dataDir: string): Promise<Omit<PrebuiltChain, 'buildMs'>> {
  const db = await LevelStorage.open(nodeDbDir(dataDir));
  try {
    const stored = await storageHandlers(checksummedStorage(db)).load();
    const last = stored.blocks[stored.blocks.length - 1];
    if (last === undefined) throw new Error(`${dataDir} holds no prebuilt chain`);
    let encodedBytes = 0;
    let transactions = 0;
    const payloads: ExecutionPayload[] = [];
    for (const b of stored.blocks) {
      encodedBytes += encodeBlock(b).length;
      transactions += b.message.executionPayload.transactions.length;
      payloads.push(b.message.executionPayload);
    }
    return { blocks: stored.blocks.length, headHash: toHex(blockHash(last.message)), payloads, encodedBytes, transactions };
  } finally {
    await db.close();
  }
}
