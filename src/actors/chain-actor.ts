// ChainActor: slot ticks, block production when it is our turn, import and approval of others'
// blocks, acceptance once enough authorities approved, fork choice, and AuxPow finalization. The
// rules are the pure functions of src/consensus and src/auxpow; this actor sequences them with the
// engine, storage and network actors, and is never reentrant (it must not import a block in the
// middle of building one).
import type { DepositVerdict } from '../chain/blocks/verify-peg-ins.ts';
import type { Clock } from '../io/clock.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import type { Ask, ReplyFor } from '../kernel/message.ts';
import { KernelError } from '../kernel/errors.ts';
import { blockHash } from '../codec/block-codec.ts';
import { approvalThreshold, maxByzantine, signerIndices } from '../consensus/approvals.ts';
import { type SyncProgress, canProduce, stateFor } from '../sync/sync-state.ts';
import { MAX_BATCH, type SyncWire, encodeSync, responseBlockCount } from '../sync/range-protocol.ts';
import { type SyncMsg, syncActorName } from './sync-actor.ts';
import { payloadTimestampFor, proposerIndexFor, slotAt, slotStartMs } from '../consensus/aura.ts';
import { BlockError, BlockErrorCode, policyFor } from '../consensus/block-error.ts';
import type { ChainStore } from '../chain/blocks/chain-store.ts';
import { type BlockSource, blockErrorAction } from '../chain/blocks/error-policy.ts';
import { type VerifiedBlock, importBlocks } from '../chain/blocks/import-blocks.ts';
import { type ProcessDeps, type Refused, processBlocks, sourceOptions } from '../chain/blocks/process-blocks.ts';
import { powRange, verifyAuxPow } from '../chain/blocks/verify-auxpow.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { EquivocationDetector, type EquivocationEvidence } from '../consensus/equivocation.ts';
import { aggregateApprovals, approve, signBlock } from '../consensus/sign-block.ts';
import { checkApprovals } from '../consensus/validate-block.ts';
import { type ValidationMsg, validationActorName } from './validation-actor.ts';
import type { KeyPair, SignatureScheme } from '../crypto/signature-scheme.ts';
import type { AuxPowHeader, ExecutionPayload, PegIn, SignedConsensusBlock } from '../types/chain.ts';
import { equalBytes, fromHex, toHex } from '../types/hex.ts';
import type { ChainReads, ChainView } from '../chain/chain-view.ts';
import { genesisBlock } from '../chain/genesis.ts';
import { type BlockRef, type BundleWork, ChainState } from '../chain/chain-state.ts';
import type { HeldBlock } from '../chain/held-block.ts';
import { MAX_RANGE, type WireMessage } from '../chain/wire.ts';
import { MissingBlockRequests, missingBlockRequestOptions, parentKey, rangeKey } from '../chain/missing-block-requests.ts';
import { type EngineMsg, engineActorName } from './engine-actor.ts';
import type { Deposit } from '../bridge/deposit.ts';
import { MAX_PEG_INS_PER_BLOCK, depositToPegIn, pegInKey, withdrawalsFor } from '../bridge/peg-in-rules.ts';
import { type NetworkMsg, networkActorName } from './network-actor.ts';
import { type PeerMsg, peerActorName } from './peer-actor.ts';
import { type StorageMsg, storageActorName } from './storage-actor.ts';

export type { BundleWork };

export type ChainMsg =
  | { readonly type: 'slot' }
  | { readonly type: 'wire'; readonly from: string; readonly message: WireMessage }
  | { readonly type: 'pow'; readonly header: AuxPowHeader }
  | Ask<{ readonly type: 'bundle' }, BundleWork | undefined>
  | Ask<{ readonly type: 'queued-pow' }, AuxPowHeader | undefined>
  /** Finalized blocks above `height`, oldest first, with their execution payload hashes (peg-outs read their logs). */
  | Ask<{ readonly type: 'finalized-after'; readonly height: number; readonly max: number }, ReadonlyArray<{ readonly height: number; readonly payloadHash: Uint8Array }>>
  /** A syncing peer asks for a range of our chain (the SyncActor's protocol). */
  | { readonly type: 'serve-sync'; readonly from: string; readonly request: Extract<SyncWire, { kind: 'request' }> }
  /** Blocks the SyncActor validated and executed, in order: checked against the chain's own rules and committed. */
  | Ask<{ readonly type: 'adopt'; readonly blocks: readonly SignedConsensusBlock[] }, AdoptResult>
  | { readonly type: 'sync-progress'; readonly progress: SyncProgress }
  /** The execution client answered SYNCING for a block that extends ours: it lost blocks we hold. */
  | { readonly type: 'execution-behind' };

export type AdoptResult = { readonly ok: true; readonly height: number } | { readonly ok: false; readonly height: number; readonly reason: string };

export const chainActorName = 'chain';

/** Blocks re-sent to the execution client after a restart (more than it can lose unflushed). */
const REPLAY_ON_RECOVERY = 128;
/** Blocks read back from storage at a time while replaying to the execution client. */
const REPLAY_CHUNK = 64;
/** No finalized block: a forkchoiceUpdated that moves nothing but the head. */
const ZERO_HASH = new Uint8Array(32);
/** Least time between two replays to an execution client that lost blocks. */
const REPAIR_EVERY_MS = 5_000;
/**
 * Blocks behind the trusted target at which catching up is handed to the SyncActor's pipeline
 * (batches from several peers, signatures in parallel, one head update per batch); closer than
 * that, range requests from gossip are quicker to start.
 */
export const SYNC_PIPELINE_GAP = 2 * MAX_RANGE;
/** A sync range response stays well under the transport's message limit. */
const MAX_SYNC_RESPONSE_BYTES = 3 * 1024 * 1024;

export interface ChainDeps {
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  /** This node's authority key, if it is an authority. */
  readonly key: KeyPair | undefined;
  readonly clock: Clock;
  readonly bugs: BugSwitches;
  readonly feeRecipient: Uint8Array;
  readonly sometimes: (probe: string) => void;
  readonly publish: (view: ChainView) => void;
  /** How many validation actors the node runs (validation-0 … validation-(n-1)). */
  readonly validators: number;
  /** Production is allowed once we hold this share of the best chain we know of (sync's rule). */
  readonly productionThreshold: number;
  /** The peg-in scanner (PegInActor), when this node runs the bridge: deposits to mint and to check. */
  readonly pegIns?: PegInSource;
  /** The execution client's genesis block (production: the real client's block 0). */
  readonly executionGenesis?: ExecutionPayload;
  /** Operator-facing lines (pino in production): refused blocks, sync hand-overs. */
  readonly log?: (line: string) => void;
}

export interface PegInSource {
  confirmed(): Promise<readonly Deposit[]>;
  verify(deposits: readonly Deposit[]): Promise<DepositVerdict>;
}

/** A block verified and executed, waiting for a quorum's approvals. */
type Pending = VerifiedBlock;

export function chainActor(d: ChainDeps): ActorSpec<ChainMsg> {
  return actor<ChainMsg>({
    name: chainActorName,
    dependsOn: [engineActorName, storageActorName, networkActorName],
    mailbox: { capacity: 16_384, overflow: 'drop-oldest' },
    create: (ctx: ActorContext<ChainMsg>) => new ChainNode(ctx, d).behavior(),
  });
}

class ChainNode {
  private readonly n: number;
  private readonly myIndex: number | undefined;
  private readonly chain: ChainState;
  private readonly pending = new Map<string, Pending>();
  private readonly approvals = new Map<string, Map<number, Uint8Array>>();
  private readonly myApprovals = new Map<number, string>();
  private readonly orphans = new Map<string, Array<{ signed: SignedConsensusBlock; from: string | undefined; source: BlockSource }>>();
  private readonly missingRequests: MissingBlockRequests;
  private readonly equivocation = new EquivocationDetector();
  private readonly evidence: EquivocationEvidence[] = [];
  private queuedPow: AuxPowHeader | undefined;
  private recovered = false;
  private produced = 0;
  private penalties = 0;
  private lastSlotProduced = -1;
  private nextValidator = 0;
  /** The highest height we know a quorum accepted: the target sync measures us against. */
  private bestSeen = 0;
  /** Accepted head heights peers announced. */
  private readonly peerHeads = new Map<string, number>();
  /**
   * A node that came back from its disk knows nothing of how far the others got while it was down:
   * until a peer's status arrives (each node announces one every slot) it must not take its own
   * head for the chain's, or it would produce on a stale head.
   */
  private restartedBlind = false;
  private readonly productions: Array<{ readonly height: number; readonly bestSeen: number }> = [];
  /** The SyncActor is catching us up: gossip is not imported meanwhile, range requests not sent. */
  private syncing = false;
  /** Wire bytes per block of the last sync response served: how many blocks to read for the next. */
  private servedBytesPerBlock = 0;
  private syncProgress: SyncProgress | undefined;
  private slotTicks = 0;

  constructor(
    private readonly ctx: ActorContext<ChainMsg>,
    private readonly d: ChainDeps,
  ) {
    this.n = d.spec.authorities.length;
    const idx = d.key === undefined ? -1 : d.spec.authorities.findIndex((a) => equalBytes(a, (d.key as KeyPair).publicKey));
    this.myIndex = idx < 0 ? undefined : idx;
    this.chain = new ChainState(d.spec, genesisBlock(this.n, d.executionGenesis));
    this.missingRequests = new MissingBlockRequests(missingBlockRequestOptions(d.spec.slotDurationMs));
  }

  /** What read-only queries see, published with the view (they do not queue behind the actor). */
  private readonly reads: ChainReads = {
    block: (m) => this.chain.read(m),
    queuedPow: () => this.queuedPow,
  };

  /**
   * An Engine API call that may not come back (the execution client is down or too slow): the
   * answer, or undefined after the timeout. Production or import is then skipped, not crashed:
   * blocks missed meanwhile come back through parent requests.
   */
  private async engineCall<const T extends EngineMsg>(msg: T, timeoutMs: number): Promise<ReplyFor<EngineMsg, T> | undefined> {
    try {
      return await this.ctx.ask(this.engine, msg, timeoutMs);
    } catch (err) {
      if (err instanceof KernelError && (err.code === 'ASK_TIMEOUT' || err.code === 'ACTOR_FAILED' || err.code === 'MAILBOX_FULL')) {
        this.d.sometimes('chain.engine-unavailable');
        return undefined;
      }
      throw err;
    }
  }

  private get engine() {
    return this.ctx.lookup<EngineMsg>(engineActorName);
  }
  private get storage() {
    return this.ctx.lookup<StorageMsg>(storageActorName);
  }
  private get network() {
    return this.ctx.lookup<NetworkMsg>(networkActorName);
  }
  private get sync() {
    return this.ctx.lookup<SyncMsg>(syncActorName);
  }

  behavior() {
    return {
      onStart: () => this.recover(),
      handlers: {
        slot: () => this.onSlot(),
        wire: (m: { from: string; message: WireMessage }) => this.onWire(m.from, m.message),
        pow: (m: { header: AuxPowHeader }) => {
          this.queuedPow = m.header;
        },
        bundle: () => this.chain.bundle(),
        'queued-pow': () => this.queuedPow,
        'serve-sync': (m: { from: string; request: Extract<SyncWire, { kind: 'request' }> }) => this.serveSync(m.from, m.request),
        adopt: (m: { blocks: readonly SignedConsensusBlock[] }) => this.adopt(m.blocks),
        'sync-progress': (m: { progress: SyncProgress }) => {
          this.syncProgress = m.progress;
          if (m.progress.state === 'synced' || m.progress.state === 'failed') {
            // Done, or failed: the pipeline is started again at the next slot if we are still far behind.
            if (this.syncing) {
              this.d.sometimes(`chain.sync-pipeline-${m.progress.state}`);
              this.d.log?.(`sync ${m.progress.state} at height ${m.progress.currentHeight} of ${m.progress.targetHeight} (${m.progress.blocksPerSec.toFixed(1)} blocks/s)${m.progress.failure === undefined ? '' : `: ${m.progress.failure}`}`);
            }
            this.syncing = false;
          }
          this.publish();
        },
        'finalized-after': (m: { height: number; max: number }) => this.chain.finalizedAfter(m.height, m.max),
        'execution-behind': () => this.repairExecution(),
      },
    };
  }

  // ---- recovery ------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    this.publish();
    const stored = await this.ctx.ask(this.storage, { type: 'load' }, 60_000);
    // Our own disk goes through the pipeline as gossip does: a block whose payload does not extend
    // its parent's, or whose proof of work does not hold (written by an older, laxer version, or
    // corrupted), is not taken back into the chain. Signatures, deposits and execution passed when
    // the block was first accepted (execution is replayed below); a block whose parent is not back
    // is left out with it.
    const r = await processBlocks(
      stored.blocks,
      { ...sourceOptions.recovery, finalizedHeight: stored.finalized?.height ?? 0 },
      this.pipeline('recovery'),
    );
    for (const { signed, error } of r.refused) {
      if (error.code === BlockErrorCode.UNKNOWN_PARENT) continue;
      this.d.sometimes('chain.recovery-refused-block');
      this.d.log?.(`recovery: stored block ${signed.message.height} refused: ${error.message}`);
    }
    // The finalized record may name a block whose own record failed its checksum or was lost: then
    // finality is learned again (from peers and AuxPow) rather than trusted without its block.
    const finalKnown = stored.finalized !== undefined && this.chain.tree.has(fromHex(stored.finalized.hash));
    if (stored.finalized !== undefined && stored.finalized.height > 0 && !finalKnown) this.d.sometimes('chain.finalized-record-unusable');
    // Planted bug: recovery forgets what was finalized (the chain comes back unfinalized).
    const forget = this.d.bugs.has('chain-forget-finalized-on-restart');
    if (stored.finalized !== undefined && stored.finalized.height > 0 && finalKnown && !forget) {
      const chain = this.chain.tree.chainTo(fromHex(stored.finalized.hash));
      for (const node of chain) this.chain.finalized[node.height] = node.key;
      this.chain.tree.finalize(fromHex(stored.finalized.hash));
    }
    if (!forget) await this.finalizeFromStoredProofs();
    if (stored.blocks.length > 0) {
      this.d.sometimes('chain.recovered-from-disk');
      this.restartedBlind = this.n > 1;
    }
    await this.replayToExecution();
    this.recovered = true;
    this.publish();
    await this.commitHead();
    this.armSlotTimer();
  }

  /**
   * Blocks are written before the finality their proofs of work bring is (import persists a
   * segment, then each block's proof finalizes in fork choice and in the finalized record): a crash
   * in between leaves the record behind blocks on our disk. Their proofs finalize again what they
   * covered, on our head's branch, as when the blocks were first committed. Left behind, the record
   * made every next block (from sync or gossip) fail the rule of maxBlocksWithoutPow past finality.
   */
  private async finalizeFromStoredProofs(): Promise<void> {
    const head = this.chain.tree.head();
    let end: { height: number; hash: Uint8Array } | undefined;
    for (const node of this.chain.tree.chainTo(head.hash)) {
      const pow = this.chain.blocks.get(node.key)?.message.auxPowHeader ?? null;
      const covered = pow === null ? undefined : this.chain.tree.get(pow.rangeEnd);
      if (covered === undefined || (end !== undefined && covered.height <= end.height)) continue;
      if (this.chain.onChainOf(head.hash, covered.hash)) end = { height: covered.height, hash: covered.hash };
    }
    if (end === undefined || this.chain.finalizable(end.hash) === undefined) return;
    this.d.sometimes('chain.finality-restored-from-proofs');
    this.d.log?.(`recovery: the proofs of work on disk finalize height ${end.height}, above the finalized record`);
    await this.finalize(end.hash);
  }

  /**
   * An execution client that restarted may have lost its newest blocks (state not yet flushed when
   * it stopped). Our disk is the record: the last blocks of our head's branch are handed to it again,
   * in order, before we move its head; blocks it still has are acknowledged at once.
   */
  private async replayToExecution(): Promise<void> {
    const head = this.chain.tree.head();
    if (head.height === 0) return;
    // A client that fell back after a crash ignores heads on its old chain until it is told its own
    // head again (Geth: "Ignoring beacon update to old head while syncing"): told it, it takes ours.
    const own = await this.engineCall({ type: 'client-head' }, 10_000);
    if (own !== undefined && own.number < head.height) {
      await this.engineCall({ type: 'commit', headPayloadHash: own.hash, finalizedPayloadHash: ZERO_HASH }, 10_000);
    }
    // The client may have lost more than the usual window: when it does not know the parent of the
    // first block we hand it, the window grows until it starts from a block it has (or genesis).
    for (let window = REPLAY_ON_RECOVERY; ; window *= 4) {
      const from = Math.max(1, head.height - window);
      const r = await this.replayRange(from, head.hash, head.height);
      if (r !== 'parent-unknown' || from === 1) return;
      this.d.sometimes('chain.replay-window-grown');
    }
  }

  private async replayRange(from: number, headHash: Uint8Array, to: number): Promise<'done' | 'stopped' | 'parent-unknown'> {
    const statuses = new Map<string, number>();
    let chunk: ReadonlyArray<SignedConsensusBlock | undefined> = [];
    for (let h = from; h <= to; h++) {
      // Whole blocks come from storage, a chunk at a time: the chain keeps only the newest in memory.
      if ((h - from) % REPLAY_CHUNK === 0) chunk = await this.wholeBlocks(this.replayRefs(h, Math.min(to, h + REPLAY_CHUNK - 1), headHash));
      const b = chunk[(h - from) % REPLAY_CHUNK];
      if (b === undefined) continue;
      const payload = b.message.executionPayload;
      let r = await this.engineCall({ type: 'execute', payload }, 10_000);
      if (r?.status === 'ACCEPTED' && h > 1) {
        // Geth still holds the parent block but lost its state (killed before it wrote it out): it
        // answers VALID for the blocks it holds without executing them, and ACCEPTED here. Made the
        // head, the parent is re-executed from the newest state Geth kept; then this block executes.
        this.d.sometimes('chain.replay-recovered-parent-state');
        await this.engineCall({ type: 'commit', headPayloadHash: payload.parentHash, finalizedPayloadHash: this.finalizedPayloadAtOrBelow(h - 1, headHash) }, 60_000);
        r = await this.engineCall({ type: 'execute', payload }, 10_000);
      }
      if (r === undefined || r.status === 'UNAVAILABLE') {
        this.d.sometimes('chain.replay-engine-unavailable');
        this.d.log?.(`chain: replay to the execution client stopped at height ${h}: ${r === undefined ? 'no answer' : r.error}`);
        return 'stopped';
      }
      // SYNCING (parent unknown) for the first block: the client is further behind than this window.
      if (statuses.size === 0 && h > 1 && r.status === 'SYNCING') return 'parent-unknown';
      // SYNCING right after it acknowledged the parent: it holds the parent yet will not import on
      // it, which Geth does only in snap sync (it restarted on a head without its state). Only its
      // own peers, or a restart of it, end that; no block we hand it will be executed.
      if (r.status === 'SYNCING' && statuses.size > 0 && this.executionStuckLoggedAt + 60_000 <= this.d.clock.now()) {
        this.executionStuckLoggedAt = this.d.clock.now();
        this.d.sometimes('chain.execution-client-snap-sync');
        this.d.log?.(`chain: the execution client holds block ${h - 1} but will not import block ${h} on it (Geth in snap sync after losing its state): it needs its own peers to finish, or a fresh data directory (stop it, remove the directory, init it again: the node hands it every block)`);
      }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    this.d.log?.(`chain: replayed heights ${from}..${to} to the execution client: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    return 'done';
  }

  /**
   * The blocks at heights from..to of the branch ending at `headHash`. Finalized blocks are pruned
   * from the fork-choice tree: below it they come from the finalized record (skipping them left a
   * fresh execution client without their parents, for ever SYNCING).
   */
  private replayRefs(from: number, to: number, headHash: Uint8Array): Array<BlockRef | undefined> {
    const refs: Array<BlockRef | undefined> = [];
    for (let h = from; h <= to; h++) {
      const key = h <= this.chain.tree.finalized().height ? this.chain.finalized[h] : this.chain.tree.ancestorAt(headHash, h)?.key;
      refs.push(key === undefined || !this.chain.blocks.has(key) ? undefined : { height: h, key });
    }
    return refs;
  }

  /**
   * Committed blocks whole, in the order asked (undefined where a ref is, or where storage no longer
   * gives the block intact): the newest from memory, the rest read back from storage.
   */
  private async wholeBlocks(refs: ReadonlyArray<BlockRef | undefined>): Promise<Array<SignedConsensusBlock | undefined>> {
    const out = refs.map((r) => (r === undefined ? undefined : this.chain.whole(r.key)));
    const missing = refs.flatMap((r, i) => (r !== undefined && out[i] === undefined ? [{ i, ref: r }] : []));
    if (missing.length === 0) return out;
    try {
      const read = await this.ctx.ask(this.storage, { type: 'get-blocks', refs: missing.map((m) => m.ref) }, 60_000);
      missing.forEach((m, j) => {
        out[m.i] = read[j];
      });
      this.d.sometimes('chain.blocks-read-from-storage');
      if (read.some((b) => b === undefined)) {
        this.d.sometimes('chain.stored-block-unreadable');
        this.d.log?.(`chain: ${read.filter((b) => b === undefined).length} of ${read.length} committed blocks could not be read back from storage`);
      }
    } catch (err) {
      if (!(err instanceof KernelError)) throw err;
      this.d.sometimes('chain.storage-read-failed');
    }
    return out;
  }

  /**
   * Sends committed blocks to a peer once they are read back, without holding up this actor: the
   * chain goes on importing while storage reads. The blocks sent are the first ones available in order.
   */
  private serveWhole(refs: readonly BlockRef[], send: (blocks: readonly SignedConsensusBlock[]) => void): void {
    this.wholeBlocks(refs).then(
      (bs) => {
        const end = bs.findIndex((b) => b === undefined);
        send((end < 0 ? bs : bs.slice(0, end)) as SignedConsensusBlock[]);
      },
      // A peer's request never takes the node down: it asks another peer when no answer comes.
      (err: unknown) => this.d.log?.(`chain: serving ${refs.length} blocks failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** The payload hash Geth is told is final while its head is the block at `height`: never above that block. */
  private finalizedPayloadAtOrBelow(height: number, headHash: Uint8Array): Uint8Array {
    const fin = this.chain.tree.finalized().height;
    if (fin <= height) return this.chain.finalizedBlock().message.executionPayload.blockHash;
    const key = this.chain.finalized[height] ?? this.chain.tree.ancestorAt(headHash, height)?.key;
    const b = key === undefined ? undefined : this.chain.blocks.get(key);
    return b === undefined ? this.chain.finalizedBlock().message.executionPayload.blockHash : b.message.executionPayload.blockHash;
  }

  private armSlotTimer(): void {
    const now = this.d.clock.now();
    const next = slotStartMs(slotAt(now, this.d.spec) + 1, this.d.spec);
    this.ctx.setTimer(Math.max(1, next - now), { type: 'slot' });
  }

  // ---- production ----------------------------------------------------------------------------

  /**
   * How far the chain has got, as far as we can trust: the highest quorum-approved block we saw, or
   * the height that at least f + 1 peers announce (so at least one honest peer has it; a Byzantine
   * authority announcing a huge height cannot stop our production on its own).
   */
  private syncTarget(): number {
    const claims = [...this.peerHeads.values()].sort((a, b) => b - a);
    // Hearing fewer peers than that, the lowest claim: a node with one peer must still catch up
    // from it (and must not call itself synced at genesis); every block it fetches is checked.
    const trusted = claims[Math.min(maxByzantine(this.n), claims.length - 1)] ?? 0;
    // Planted bug: only blocks we verified count; far behind, the node calls itself synced.
    if (this.d.bugs.has('sync-target-ignores-peers')) return this.bestSeen;
    return Math.max(this.bestSeen, trusted);
  }

  private async onSlot(): Promise<void> {
    this.armSlotTimer();
    this.slotTicks++;
    this.publish();
    if (this.recovered) this.ctx.tell(this.network, { type: 'publish', message: { topic: 'status', headHeight: this.chain.tree.head().height } });
    this.maybeStartSync();
    const slot = slotAt(this.d.clock.now(), this.d.spec);
    if (this.myIndex === undefined || proposerIndexFor(slot, this.n) !== this.myIndex || slot <= this.lastSlotProduced) return;
    const head = this.chain.tree.head();
    if (slot <= head.slot) {
      this.d.sometimes('chain.production-skipped.head-in-slot');
      return;
    }
    // As sync reports it: produce only when synced, or catching up above the threshold (99.5 %).
    const target = this.syncTarget();
    const sync = stateFor(head.height, Math.max(target, head.height), this.d.productionThreshold);
    if (!canProduce(sync, this.d.productionThreshold) && !this.d.bugs.has('chain-produce-while-syncing')) {
      this.d.sometimes('chain.production-gated-by-sync');
      return;
    }
    if (this.restartedBlind && this.peerHeads.size === 0 && !this.d.bugs.has('chain-produce-while-syncing')) {
      this.d.sometimes('chain.production-gated-after-restart');
      return;
    }
    this.productions.push({ height: head.height + 1, bestSeen: target });
    const finalizedNode = this.chain.tree.finalized();
    const pow = this.usablePow();
    if (pow === undefined && head.height + 1 - finalizedNode.height > this.d.spec.maxBlocksWithoutPow) {
      this.d.sometimes('chain.production-paused-without-pow');
      return;
    }
    this.lastSlotProduced = slot;
    const parent = this.chain.blocks.get(head.key) as HeldBlock;
    const finalizedBlock = this.chain.blocks.get(finalizedNode.key) as HeldBlock;
    const pegIns = await this.pegInsToMint(head.key);
    const payload = await this.engineCall(
      {
        type: 'build',
        parentPayloadHash: parent.message.executionPayload.blockHash,
        finalizedPayloadHash: finalizedBlock.message.executionPayload.blockHash,
        timestampSec: payloadTimestampFor(slot, this.d.spec),
        feeRecipient: this.d.feeRecipient,
        withdrawals: withdrawalsFor(pegIns, head.height + 1),
      },
      10_000,
    );
    if (payload === undefined) {
      this.d.sometimes('chain.production-skipped.engine-not-ready');
      // It may not know our head any more: moving its head to ours tells, and repairs it if so.
      await this.commitHead();
      return;
    }
    const message = {
      parentHash: head.hash,
      slot,
      height: head.height + 1,
      executionPayload: payload,
      auxPowHeader: pow ?? null,
      pegIns,
      pegOutProposals: [],
      finalizedPegOuts: [],
    };
    const signed = signBlock(message, this.myIndex, this.d.key as KeyPair, this.n);
    this.produced++;
    this.d.sometimes('chain.block-produced');
    this.ctx.tell(this.network, { type: 'publish', message: { topic: 'block', block: signed } });
    await this.receiveBlock(signed, undefined, 'own');
  }

  /** A queued AuxPow is usable if its range lies on our head chain after our finalized block. */
  /** The pipeline's AuxPow step as a verdict: undefined (holds), 'unknown' (cannot place it yet), or why not. */
  private checkPow(pow: AuxPowHeader, parentHash: Uint8Array): string | 'unknown' | undefined {
    try {
      return verifyAuxPow(this.chain, pow, parentHash);
    } catch (err) {
      if (err instanceof BlockError) return err.detail;
      throw err;
    }
  }

  private usablePow(): AuxPowHeader | undefined {
    const pow = this.queuedPow;
    if (pow === undefined) return undefined;
    // Only a proof that finalizes something new, at the difficulty the chain now requires, is
    // worth a block's space.
    if (pow.bits !== this.chain.requiredBits(this.chain.tree.head().hash)) return undefined;
    if (this.chain.tree.get(pow.rangeEnd) === undefined || powRange(this.chain, pow) === undefined || !this.chain.onHeadChain(pow.rangeEnd)) {
      // Finalized past it, or on a fork we left: it can never be used.
      if (this.chain.tree.get(pow.rangeEnd) === undefined) this.queuedPow = undefined;
      return undefined;
    }
    return pow;
  }


  // ---- import --------------------------------------------------------------------------------

  private async onWire(from: string, m: WireMessage): Promise<void> {
    switch (m.topic) {
      case 'block':
        // Gossip, accepted by the gossip rules before it was relayed: `from` may be an honest relay
        // of a block its author got wrong, so nothing found later is held against it.
        return this.receiveBlock(m.block, from, 'gossip');
      case 'block-response':
        // Sent to us directly from the sender's own chain: the sender answers for it.
        return this.receiveBlock(m.block, from, 'peer');
      case 'approval':
        return this.onApproval(from, m.approval.blockHash, m.approval.authorityIndex, m.approval.signature);
      case 'auxpow': {
        // Only a proof that holds on our chain replaces the one we would put in our next block: a
        // forged one would make every block we produce invalid until another proof came. One we
        // cannot place yet (we are behind) is kept only while we have no usable proof.
        const problem = this.checkPow(m.header, this.chain.tree.head().hash);
        if (problem === undefined || (problem === 'unknown' && this.usablePow() === undefined)) this.queuedPow = m.header;
        else this.d.sometimes(problem === 'unknown' ? 'chain.auxpow-not-yet-placeable' : 'chain.auxpow-gossip-refused');
        return;
      }
      case 'status':
        // A chain has at most one block per slot: a head above the current slot is a lie or a
        // flipped bit, and trusted it would hold us syncing toward a height nobody has. Ignored,
        // not penalised: an honest peer whose clock runs ahead of ours may claim a slot or two more.
        if (m.headHeight > slotAt(this.d.clock.now() + this.d.spec.futureToleranceMs, this.d.spec) && !this.d.bugs.has('chain-trusts-impossible-height')) {
          this.d.sometimes('chain.status-impossible-height');
          return;
        }
        this.peerHeads.set(from, m.headHeight);
        this.restartedBlind = false;
        if (this.syncing) this.ctx.tell(this.sync, { type: 'peer-height', peer: from, height: m.headHeight });
        return;
      case 'range-request': {
        this.serveWhole(this.chain.canonicalRange(m.startHeight, m.count, MAX_RANGE), (blocks) => {
          for (const block of blocks) this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'block-response', block } });
        });
        this.d.sometimes('chain.range-served');
        return;
      }
      case 'block-request': {
        // Any committed block is served, finalized ones included: a node catching up walks back
        // through them one parent at a time.
        const key = toHex(m.hash);
        const b = this.chain.blocks.get(key);
        if (b !== undefined && this.chain.committed.has(key)) {
          this.serveWhole([{ height: b.message.height, key }], ([block]) => {
            if (block !== undefined) this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'block-response', block } });
          });
        }
        return;
      }
    }
  }

  /** A block by gossip, from a peer, or our own: through the pipeline, to wait for approvals or into the chain. */
  private async receiveBlock(signed: SignedConsensusBlock, from: string | undefined, source: 'gossip' | 'peer' | 'own'): Promise<void> {
    if (!this.recovered) return;
    if (this.syncing && source !== 'own') {
      // The pipeline brings these in order; gossip far ahead of our head would only be orphaned.
      this.d.sometimes('chain.gossip-ignored-while-syncing');
      return;
    }
    const hash = blockHash(signed.message);
    const key = toHex(hash);
    if (this.chain.blocks.has(key) || signed.message.height <= this.chain.tree.finalized().height) return;
    const pending = this.pending.get(key);
    if (pending !== undefined) {
      // We hold it without enough approvals; a copy that carries a quorum's aggregate settles it.
      if (signerIndices(signed.approvals.signers).length > 0 && checkApprovals(signed, hash, this.d.spec, this.d.scheme).ok) {
        this.pending.delete(key);
        await this.importVerified({ ...pending, signed }, source);
      }
      return;
    }
    // Relaying is the transport's (gossipsub forwards what the gossip rules accepted), so every
    // honest node sees every block and an equivocation cannot hide behind a split of the network.
    const r = await processBlocks([signed], sourceOptions[source], this.pipeline(source));
    for (const e of r.refused) this.onRefused(e, from, source);
    if (r.imported.length > 0) await this.afterImport(r.imported);
    for (const v of r.awaitingApprovals) {
      const k = toHex(v.hash);
      if (this.chain.blocks.has(k) || this.pending.has(k)) continue;
      this.pending.set(k, v);
      this.maybeApprove(v.hash, v.signed.message.slot);
      await this.tryAccept(k);
    }
  }

  /** The error policy (src/chain/blocks/error-policy.ts) applied: the one place a refusal is acted on. */
  private onRefused({ signed, error }: Refused, from: string | undefined, source: BlockSource): void {
    const action = blockErrorAction(error, source);
    // SYNCING for a block whose parent we executed: the client lost blocks (a crash before it
    // flushed them), and no peer will ever send them again. Only our disk can give them back.
    if (error.code === BlockErrorCode.EXECUTION_SYNCING && this.chain.blocks.has(toHex(signed.message.parentHash))) this.ctx.self.tell({ type: 'execution-behind' });
    if (from !== undefined && policyFor(error.code).penalty < 0) this.d.log?.(`block from ${from} refused: ${error.code}: ${error.detail}`);
    switch (action.kind) {
      case 'wait-for-parent':
        this.waitForParent(signed, from, source);
        return;
      case 'penalize':
        this.penalties++;
        this.ctx.tell(this.ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer: from as string, delta: action.penalty, reason: error.code, detail: error.detail });
        break;
      case 'drop':
      case 'retry-later':
        break;
    }
    this.d.sometimes(`chain.rejected.${error.code}`);
  }


  /** Each source's pipeline dependencies, built once: every gossip block and approval goes through them. */
  private readonly pipelines = new Map<BlockSource, ProcessDeps>();

  private pipeline(source: BlockSource): ProcessDeps {
    let deps = this.pipelines.get(source);
    if (deps === undefined) {
      deps = this.buildPipeline(source);
      this.pipelines.set(source, deps);
    }
    return deps;
  }

  /** What the pipeline runs on: the validation pool, the engine, the peg-in scanner, storage and fork choice. */
  private buildPipeline(source: BlockSource): ProcessDeps {
    const skipProposerCheck = this.d.bugs.has('chain-skip-proposer-check');
    const skipPayloadLinkage = this.d.bugs.has('chain-skip-payload-linkage');
    return {
      store: this.chain,
      nowMs: () => this.d.clock.now(),
      verifySignatures: (block, parent, requireApprovals) =>
        // Round robin over the pool, so several validations can be in flight.
        this.ctx.ask(
          this.ctx.lookup<ValidationMsg>(validationActorName(this.nextValidator++ % this.d.validators)),
          { type: 'validate', block, parent, requireApprovals, skipProposerCheck, skipPayloadLinkage },
          10_000,
        ),
      execute: (payload) => this.engineCall({ type: 'execute', payload }, 10_000),
      pegIns: {
        mintedOn: (store, hash) => this.mintedOn(store, hash),
        ...(this.d.pegIns !== undefined ? { verify: (this.d.pegIns as PegInSource).verify.bind(this.d.pegIns) } : {}),
      },
      ...(source === 'sync' || source === 'recovery' ? {} : { observeProposal: (signed: SignedConsensusBlock, hash: Uint8Array) => this.observeProposal(signed, hash) }),
      persist: (blocks) => {
        const only = blocks.length === 1 ? blocks[0] : undefined;
        return only !== undefined
          ? this.ctx.ask(this.storage, { type: 'put-block', block: only.signed, hash: only.hash }, 60_000)
          : this.ctx.ask(this.storage, { type: 'put-blocks', blocks: blocks.map((b) => ({ block: b.signed, hash: b.hash })) }, 120_000);
      },
      addToForkChoice: (b) => this.addToForkChoice(b, source),
      bugs: { skipProposerCheck, skipPayloadLinkage, ignoreEquivocation: this.d.bugs.has('chain-approve-twice') },
    };
  }

  /** Deposits minted on the branch ending at `hash`, as the store (and a segment's staged blocks) holds it. */
  private mintedOn(store: ChainStore, hash: Uint8Array): ReadonlySet<string> {
    // Planted bug: the walk stops at the finalized block, as if what is final could not be minted again.
    return this.chain.mintedOn(store, hash, this.d.bugs.has('peg-minted-above-finality-only'));
  }

  /**
   * A block whose signatures verified. Only a quorum-approved block proves how far the chain has
   * got: a pending block may never be accepted, and a Byzantine authority can sign any height it
   * likes. A second block of a proposer for one slot is evidence against it, kept for the operators
   * (and later slashing); the peer that relayed it may be honest and is not penalised for it.
   */
  private observeProposal(signed: SignedConsensusBlock, hash: Uint8Array): boolean {
    if (signerIndices(signed.approvals.signers).length > 0) this.bestSeen = Math.max(this.bestSeen, signed.message.height);
    const evidence = this.equivocation.observe(signed.proposerIndex, signed.message.slot, hash);
    if (evidence === undefined) return false;
    this.d.sometimes('chain.equivocation-detected');
    this.evidence.push(evidence);
    if (this.evidence.length > 256) this.evidence.shift();
    return true;
  }

  private waitForParent(signed: SignedConsensusBlock, from: string | undefined, source: BlockSource): void {
    const parentKeyHex = toHex(signed.message.parentHash);
    const list = this.orphans.get(parentKeyHex) ?? [];
    if (list.length < 8) list.push({ signed, from, source });
    this.orphans.set(parentKeyHex, list);
    if (this.orphans.size > 512) this.orphans.delete(this.orphans.keys().next().value as string);
    // Planted bug: an orphan waits for its parent to arrive by itself; nothing missing is asked for.
    if (from === undefined || this.syncing || this.d.bugs.has('chain-never-request-missing')) return;
    const head = this.chain.tree.head();
    const gap = signed.message.height - head.height - 1;
    const key = gap >= 2 ? rangeKey(head.height + 1) : parentKey(parentKeyHex);
    // Planted bug: every orphan asks again at once, however recently the same was asked for.
    if (!this.missingRequests.shouldAsk(key, this.d.clock.now()) && !this.d.bugs.has('chain-request-missing-every-time')) {
      this.d.sometimes('chain.missing-request-deferred');
      return;
    }
    if (gap >= 2) {
      // Far behind: ask for the missing heights in one go rather than one parent per round trip.
      this.d.sometimes('chain.range-requested');
      this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'range-request', startHeight: head.height + 1, count: Math.min(gap, MAX_RANGE) } });
    } else {
      this.d.sometimes('chain.parent-requested');
      this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'block-request', hash: signed.message.parentHash } });
    }
  }

  // ---- catching up through the SyncActor -------------------------------------------------------

  /**
   * Far behind what peers announce: the SyncActor takes over from our finalized block (a branch
   * above it may not be the peers' chain; blocks we already hold are executed again, which the
   * execution client acknowledges at once, and are not stored twice).
   */
  private maybeStartSync(): void {
    if (!this.recovered || this.syncing) return;
    const head = this.chain.tree.head();
    if (this.syncTarget() - head.height < SYNC_PIPELINE_GAP) return;
    const fin = this.chain.tree.finalized();
    this.syncing = true;
    this.d.sometimes('chain.sync-pipeline-started');
    this.d.log?.(`sync: ${this.syncTarget() - head.height} blocks behind; the sync pipeline takes over from finalized height ${fin.height}`);
    const peers = [...this.peerHeads].map(([id, height]) => ({ id, height }));
    this.ctx.tell(this.sync, { type: 'start', anchor: { height: fin.height, hash: fin.hash }, peers });
  }

  private serveSync(from: string, r: Extract<SyncWire, { kind: 'request' }>): void {
    // Big blocks: the response is cut to fewer blocks (halving until it fits) rather than be a
    // message the transport refuses, and the peer re-cuts. The cut is made first on the size of the
    // blocks last served, so that only the blocks sent are read and encoded: the legacy strategy
    // asks for 1,024 blocks of which 128 fit, and this node read 8 and encoded 15 for each one it sent.
    const count = responseBlockCount(r.count, this.servedBytesPerBlock, MAX_SYNC_RESPONSE_BYTES);
    this.serveWhole(this.chain.canonicalRange(r.startHeight, count, MAX_BATCH), (whole) => {
      let blocks = whole;
      let bytes = encodeSync({ kind: 'response', requestId: r.requestId, blocks });
      while (bytes.length > MAX_SYNC_RESPONSE_BYTES && blocks.length > 1) {
        blocks = blocks.slice(0, Math.ceil(blocks.length / 2));
        bytes = encodeSync({ kind: 'response', requestId: r.requestId, blocks });
      }
      if (blocks.length > 0) this.servedBytesPerBlock = bytes.length / blocks.length;
      this.d.sometimes('chain.sync-range-served');
      this.ctx.tell(this.network, { type: 'send-bytes', peer: from, bytes });
    });
  }

  /**
   * Blocks the SyncActor checked (structure, signatures, approvals on the pool) and executed, in
   * order: the rest of the pipeline runs on them as on any block (sanity and linkage against their
   * real parents, AuxPow, peg-ins), and those that pass are written in one synced batch and only
   * then count as committed (and finalize what their proofs cover). The first block that breaks a
   * rule stops the batch; the SyncActor fails it and starts over from here.
   */
  private async adopt(blocks: readonly SignedConsensusBlock[]): Promise<AdoptResult> {
    const r = await processBlocks(blocks, sourceOptions.sync, this.pipeline('sync'));
    this.publish();
    const refused = r.refused[0];
    if (refused !== undefined) {
      this.onRefused(refused, undefined, 'sync');
      const reason = `block ${refused.signed.message.height}: ${refused.error.message}`;
      this.d.sometimes('chain.sync-block-refused');
      this.d.log?.(`sync: refused ${reason}`);
      return { ok: false, height: this.chain.tree.head().height, reason };
    }
    this.d.sometimes('chain.sync-batch-adopted');
    return { ok: true, height: this.chain.tree.head().height };
  }

  // ---- approvals -----------------------------------------------------------------------------

  private maybeApprove(hash: Uint8Array, slot: number): void {
    if (this.myIndex === undefined || this.d.key === undefined) return;
    const key = toHex(hash);
    const already = this.myApprovals.get(slot);
    // An honest authority approves at most one block per slot: two quorums cannot form.
    if (already !== undefined && already !== key && !this.d.bugs.has('chain-approve-twice')) return;
    this.myApprovals.set(slot, key);
    const signature = approve(hash, this.d.key);
    this.recordApproval(key, this.myIndex, signature);
    this.ctx.tell(this.network, { type: 'publish', message: { topic: 'approval', approval: { blockHash: hash, authorityIndex: this.myIndex, signature } } });
  }

  private recordApproval(key: string, index: number, signature: Uint8Array): void {
    let m = this.approvals.get(key);
    if (m === undefined) {
      m = new Map();
      this.approvals.set(key, m);
      if (this.approvals.size > 4_096) this.approvals.delete(this.approvals.keys().next().value as string);
    }
    m.set(index, signature);
  }

  private async onApproval(from: string, hash: Uint8Array, index: number, signature: Uint8Array): Promise<void> {
    // Approvals reach the chain only through the gossip rules (validateGossip), gossiped or sent
    // directly: the network actor hands over nothing else, and those rules verified this signature
    // against this spec's key already. Verifying it again cost every node one signature check per
    // approval (a BLS verification in production).
    if (this.d.spec.authorities[index] === undefined) {
      this.d.log?.(`approval from ${from} refused: ${BlockErrorCode.BAD_APPROVALS}: approval by ${index}`);
      this.d.sometimes(`chain.rejected.${BlockErrorCode.BAD_APPROVALS}`);
      return;
    }
    const key = toHex(hash);
    if (this.chain.tree.has(hash)) return;
    this.recordApproval(key, index, signature);
    await this.tryAccept(key);
  }

  private async tryAccept(key: string): Promise<void> {
    const p = this.pending.get(key);
    const got = this.approvals.get(key);
    if (p === undefined || got === undefined || got.size < approvalThreshold(this.n)) return;
    this.pending.delete(key);
    await this.importVerified({ ...p, signed: { ...p.signed, approvals: aggregateApprovals(this.n, got, this.d.scheme) } }, 'gossip');
  }

  // ---- acceptance and finality ---------------------------------------------------------------

  /** A verified block that now has its quorum: the pipeline's import step, then what follows it. */
  private async importVerified(v: VerifiedBlock, source: BlockSource): Promise<void> {
    // Its parent pruned by a finalization meanwhile: a branch that can no longer win.
    if (this.chain.tree.has(v.hash) || !this.chain.tree.has(v.signed.message.parentHash)) return;
    await importBlocks([v], this.pipeline(source));
    await this.afterImport([v]);
  }

  /**
   * The import step's fork-choice half: the block is on disk, it joins the tree and counts as
   * committed, and its proof of work finalizes the range it covers when that is on its branch.
   */
  private async addToForkChoice(v: VerifiedBlock, source: BlockSource): Promise<void> {
    // Finality on our disk is the finalized record's: recovery does not finalize again.
    const added = this.chain.add(v, source !== 'recovery');
    if (added === undefined) return;
    if (added.retargeted) this.d.sometimes('auxpow.retargeted');
    if (source === 'recovery') return;
    const { signed, hash } = v;
    if (signerIndices(signed.approvals.signers).length > 0) this.bestSeen = Math.max(this.bestSeen, signed.message.height);
    if (source !== 'sync') this.d.sometimes('chain.block-accepted');
    const pow = signed.message.auxPowHeader;
    if (pow !== null && this.chain.tree.has(pow.rangeEnd) && this.chain.onChainOf(hash, pow.rangeEnd)) await this.finalize(pow.rangeEnd);
  }

  /** After gossip, a peer's block or our own joined the chain: the execution client's head, the view, and the orphans it unblocks. */
  private async afterImport(imported: readonly VerifiedBlock[]): Promise<void> {
    await this.commitHead();
    this.publish();
    for (const { hash } of imported) {
      const key = toHex(hash);
      const waiting = this.orphans.get(key);
      if (waiting === undefined) continue;
      this.orphans.delete(key);
      for (const o of waiting) await this.receiveBlock(o.signed, o.from, o.source === 'own' ? 'own' : o.source === 'peer' ? 'peer' : 'gossip');
    }
  }

  /** Confirmed deposits not yet minted on our head's branch, oldest first. */
  private async pegInsToMint(headKey: string): Promise<PegIn[]> {
    if (this.d.pegIns === undefined) return [];
    let confirmed: readonly Deposit[];
    try {
      confirmed = await this.d.pegIns.confirmed();
    } catch {
      this.d.sometimes('chain.peg-ins-unavailable');
      return [];
    }
    if (confirmed.length === 0) return [];
    const minted = this.mintedOn(this.chain, fromHex(headKey));
    const out = confirmed.map(depositToPegIn).filter((p) => !minted.has(pegInKey(p))).slice(0, MAX_PEG_INS_PER_BLOCK);
    if (out.length > 0) this.d.sometimes('chain.peg-ins-minted');
    return out;
  }

  private async finalize(hash: Uint8Array): Promise<void> {
    const at = this.chain.finalizable(hash);
    if (at === undefined) return;
    await this.ctx.ask(this.storage, { type: 'set-finalized', hash, height: at.height }, 60_000);
    // Planted bug: an off-by-one writes each newly finalized block one height too low, over what was there.
    this.chain.finalize(hash, this.d.bugs.has('chain-finalized-off-by-one') ? 1 : 0);
    this.queuedPow = undefined;
    for (const [k, p] of [...this.pending]) if (p.signed.message.height <= at.height) this.pending.delete(k);
    this.d.sometimes('chain.finalized');
    // The view shares the finalized array: published now, so that no reader sees newly finalized
    // blocks beside the previous finalized payload while the head's commit is still in flight.
    this.publish();
  }

  private async commitHead(): Promise<void> {
    const head = this.chain.headBlock().message.executionPayload.blockHash;
    const fin = this.chain.finalizedBlock().message.executionPayload.blockHash;
    const st = await this.engineCall({ type: 'commit', headPayloadHash: head, finalizedPayloadHash: fin }, 10_000);
    if (st?.status === 'SYNCING') await this.repairExecution();
  }

  private lastRepairMs = Number.NEGATIVE_INFINITY;
  private executionStuckLoggedAt = Number.NEGATIVE_INFINITY;

  /**
   * The execution client answers SYNCING for a head we gave it: it restarted and lost its newest
   * blocks while we ran (Geth flushes state only now and then). Our disk is the record: the blocks
   * are handed to it again, at most once per REPAIR_EVERY_MS, and the head is moved once more.
   */
  private async repairExecution(): Promise<void> {
    // Planted bug: the client's SYNCING is waited out, as if it would catch up by itself.
    if (this.d.bugs.has('chain-no-execution-repair')) return;
    const now = this.d.clock.now();
    if (now - this.lastRepairMs < REPAIR_EVERY_MS) return;
    this.lastRepairMs = now;
    this.d.sometimes('chain.execution-behind-replayed');
    this.d.log?.('chain: the execution client does not know our head (it restarted behind us?): replaying our blocks to it');
    await this.replayToExecution();
    const head = this.chain.headBlock().message.executionPayload.blockHash;
    const fin = this.chain.finalizedBlock().message.executionPayload.blockHash;
    await this.engineCall({ type: 'commit', headPayloadHash: head, finalizedPayloadHash: fin }, 10_000);
  }

  private publish(): void {
    const head = this.chain.tree.head();
    this.d.publish({
      recovered: this.recovered,
      authorityIndex: this.myIndex,
      headHeight: head.height,
      headHash: head.key,
      finalized: this.chain.finalized,
      committed: this.chain.committed,
      accepted: this.chain.accepted,
      producedBlocks: this.produced,
      productions: this.productions,
      penalties: this.penalties,
      // Planted bug: the status reports the finalized height as the current one.
      sync: this.syncStatus(this.d.bugs.has('chain-status-reports-finalized') ? this.chain.tree.finalized().height : head.height),
      mintedIn: this.chain.mintedIn,
      finalizedPayloadHash: toHex(this.chain.finalizedBlock().message.executionPayload.blockHash),
      slotTicks: this.slotTicks,
      reads: this.reads,
    });
  }

  private syncStatus(height: number): ChainView['sync'] {
    const target = Math.max(this.syncTarget(), height);
    const state = this.recovered ? stateFor(height, target, this.d.productionThreshold) : ({ kind: 'discovering' } as const);
    return { state: state.kind, currentHeight: height, targetHeight: target, canProduce: canProduce(state, this.d.productionThreshold), peerCount: this.peerHeads.size };
  }
}
