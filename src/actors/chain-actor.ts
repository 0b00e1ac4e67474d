// ChainActor: slot ticks, block production when it is our turn, import and approval of others'
// blocks, acceptance once enough authorities approved, fork choice, and AuxPow finalization. The
// rules are the pure functions of src/consensus and src/auxpow; this actor sequences them with the
// engine, storage and network actors, and is never reentrant (it must not import a block in the
// middle of building one).
import { bundleHash } from '../auxpow/bundle.ts';
import { nextBits } from '../auxpow/retarget.ts';
import type { Clock } from '../io/clock.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import type { Ask, ReplyFor } from '../kernel/message.ts';
import { KernelError } from '../kernel/errors.ts';
import { blockHash } from '../codec/block-codec.ts';
import { approvalMessage, approvalThreshold, maxByzantine, signerIndices } from '../consensus/approvals.ts';
import { type SyncProgress, canProduce, stateFor } from '../sync/sync-state.ts';
import { MAX_BATCH, type SyncWire, encodeSync } from '../sync/range-protocol.ts';
import { type SyncMsg, syncActorName } from './sync-actor.ts';
import { payloadTimestampFor, proposerIndexFor, slotAt, slotStartMs } from '../consensus/aura.ts';
import { BlockError, BlockErrorCode, policyFor } from '../consensus/block-error.ts';
import type { ChainStore } from '../chain/blocks/chain-store.ts';
import { powRange, verifyAuxPow } from '../chain/blocks/verify-auxpow.ts';
import { type ChainRulesDeps, type Deferred, verifyChainRules } from '../chain/blocks/verify-chain-rules.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import { EquivocationDetector, type EquivocationEvidence } from '../consensus/equivocation.ts';
import { BlockTree, ForkChoiceError } from '../consensus/fork-choice.ts';
import { aggregateApprovals, approve, signBlock } from '../consensus/sign-block.ts';
import { checkApprovals, checkPayloadLinkage } from '../consensus/validate-block.ts';
import { type ValidationMsg, validationActorName } from './validation-actor.ts';
import type { KeyPair, SignatureScheme } from '../crypto/signature-scheme.ts';
import type { AuxPowHeader, ExecutionPayload, PegIn, SignedConsensusBlock } from '../types/chain.ts';
import { equalBytes, fromHex, toHex } from '../types/hex.ts';
import type { AcceptedRecord, ChainReads, ChainView } from '../chain/chain-view.ts';
import { genesisBlock } from '../chain/genesis.ts';
import { MAX_RANGE, type WireMessage } from '../chain/wire.ts';
import { type EngineMsg, engineActorName } from './engine-actor.ts';
import type { Deposit } from '../bridge/deposit.ts';
import { MAX_PEG_INS_PER_BLOCK, checkBlockPegIns, depositToPegIn, pegInKey, pegInToDeposit, withdrawalsFor } from '../bridge/peg-in-rules.ts';
import { type NetworkMsg, networkActorName } from './network-actor.ts';
import { type PeerMsg, peerActorName } from './peer-actor.ts';
import { type StorageMsg, storageActorName } from './storage-actor.ts';

export interface BundleWork {
  readonly auxHash: Uint8Array;
  readonly rangeStart: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly height: number;
  readonly bits: number;
}

export type ChainMsg =
  | { readonly type: 'slot' }
  | { readonly type: 'wire'; readonly from: string; readonly message: WireMessage }
  | { readonly type: 'pow'; readonly header: AuxPowHeader }
  | Ask<{ readonly type: 'bundle' }, BundleWork | undefined>
  /** A block of our chain, by hash or by height on the head's branch (JSON-RPC getblockby…). */
  | Ask<{ readonly type: 'get-block'; readonly hash?: Uint8Array; readonly height?: number }, { readonly block: SignedConsensusBlock; readonly hash: Uint8Array } | undefined>
  | Ask<{ readonly type: 'queued-pow' }, AuxPowHeader | undefined>
  /** Finalized blocks above `height`, oldest first, with their execution payload hashes (peg-outs read their logs). */
  | Ask<{ readonly type: 'finalized-after'; readonly height: number; readonly max: number }, ReadonlyArray<{ readonly height: number; readonly payloadHash: Uint8Array }>>
  /** A syncing peer asks for a range of our chain (the SyncActor's protocol). */
  | { readonly type: 'serve-sync'; readonly from: string; readonly request: Extract<SyncWire, { kind: 'request' }> }
  /** Blocks the SyncActor validated and executed, in order: checked against the chain's own rules and committed. */
  | Ask<{ readonly type: 'adopt'; readonly blocks: readonly SignedConsensusBlock[] }, AdoptResult>
  | { readonly type: 'sync-progress'; readonly progress: SyncProgress };

export type AdoptResult = { readonly ok: true; readonly height: number } | { readonly ok: false; readonly height: number; readonly reason: string };

export const chainActorName = 'chain';

/** Blocks re-sent to the execution client after a restart (more than it can lose unflushed). */
const REPLAY_ON_RECOVERY = 128;
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
  verify(deposits: readonly Deposit[]): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }>;
}

interface Pending {
  readonly signed: SignedConsensusBlock;
  readonly hash: Uint8Array;
}

function acceptedRecord(signed: SignedConsensusBlock, hash: Uint8Array): AcceptedRecord {
  const p = signed.message.executionPayload;
  return {
    hash,
    slot: signed.message.slot,
    height: signed.message.height,
    proposerIndex: signed.proposerIndex,
    signature: signed.signature,
    approvalSigners: signerIndices(signed.approvals.signers),
    approvalSignature: signed.approvals.signature,
    parentHash: signed.message.parentHash,
    payload: { blockHash: p.blockHash, parentHash: p.parentHash, blockNumber: p.blockNumber },
  };
}

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
  private readonly genesis = genesisBlock(0);
  private tree: BlockTree;
  private readonly blocks = new Map<string, SignedConsensusBlock>();
  /** Branch key → deposits minted on it (see mintedOn). */
  private readonly mintedMemo = new Map<string, ReadonlySet<string>>();
  private readonly pending = new Map<string, Pending>();
  private readonly approvals = new Map<string, Map<number, Uint8Array>>();
  private readonly myApprovals = new Map<number, string>();
  private readonly orphans = new Map<string, Array<{ signed: SignedConsensusBlock; from: string; blame: boolean }>>();
  private readonly equivocation = new EquivocationDetector();
  private readonly evidence: EquivocationEvidence[] = [];
  private queuedPow: AuxPowHeader | undefined;
  private readonly finalized: string[];
  private readonly committed = new Set<string>();
  /** Deposits (txid:vout) each accepted block minted, for blocks that minted any. */
  private readonly mintedIn = new Map<string, readonly string[]>();
  private readonly accepted: AcceptedRecord[] = [];
  private recovered = false;
  private produced = 0;
  private penalties = 0;
  private lastSlotProduced = -1;
  /** AuxPow difficulty after each block: the bits a proof embedded in a child of it must meet. */
  private readonly powState = new Map<string, { readonly bits: number; readonly lastPowSlot: number }>();
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
  private syncProgress: SyncProgress | undefined;
  private slotTicks = 0;

  constructor(
    private readonly ctx: ActorContext<ChainMsg>,
    private readonly d: ChainDeps,
  ) {
    this.n = d.spec.authorities.length;
    const idx = d.key === undefined ? -1 : d.spec.authorities.findIndex((a) => equalBytes(a, (d.key as KeyPair).publicKey));
    this.myIndex = idx < 0 ? undefined : idx;
    this.genesis = genesisBlock(this.n, d.executionGenesis);
    this.tree = new BlockTree({ hash: this.genesis.hash, height: 0, slot: 0 });
    const g = toHex(this.genesis.hash);
    this.blocks.set(g, this.genesis.signed);
    this.finalized = [g];
    this.committed.add(g);
    this.powState.set(g, { bits: d.spec.initialBits, lastPowSlot: 0 });
  }

  /** What read-only queries see, published with the view (they do not queue behind the actor). */
  private readonly reads: ChainReads = {
    block: (m) => {
      // Finalized blocks are pruned from the fork-choice tree: by height they come from the
      // finalized record, by hash from the committed blocks.
      const fin = this.tree.finalized().height;
      const key =
        m.hash !== undefined ? toHex(m.hash) : m.height === undefined ? undefined : m.height <= fin ? this.finalized[m.height] : this.tree.ancestorAt(this.tree.head().hash, m.height)?.key;
      const block = key === undefined || !this.committed.has(key) ? undefined : this.blocks.get(key);
      return block === undefined || key === undefined ? undefined : { block, hash: fromHex(key) };
    },
    queuedPow: () => this.queuedPow,
  };

  /**
   * Difficulty follows the chain (src/auxpow/retarget.ts): a block carrying a proof retargets from
   * the slots since the previous proof; other blocks inherit their parent's difficulty.
   */
  private notePowState(b: SignedConsensusBlock['message'], key: string): void {
    const parent = this.powState.get(toHex(b.parentHash)) ?? { bits: this.d.spec.initialBits, lastPowSlot: 0 };
    const pow = b.auxPowHeader;
    if (pow === null) {
      this.powState.set(key, parent);
      return;
    }
    const bits = nextBits(parent.bits, b.slot - parent.lastPowSlot, this.d.spec.auxPowTargetSpacingSlots);
    if (bits !== parent.bits) this.d.sometimes('auxpow.retargeted');
    this.powState.set(key, { bits, lastPowSlot: b.slot });
  }

  private requiredBits(parentHash: Uint8Array): number {
    return this.powState.get(toHex(parentHash))?.bits ?? this.d.spec.initialBits;
  }

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
        bundle: () => this.bundle(),
        'get-block': (m: { hash?: Uint8Array; height?: number }) => this.reads.block(m),
        'queued-pow': () => this.queuedPow,
        'serve-sync': (m: { from: string; request: Extract<SyncWire, { kind: 'request' }> }) => this.serveSync(m.from, m.request),
        adopt: (m: { blocks: readonly SignedConsensusBlock[] }) => this.adopt(m.blocks),
        'sync-progress': (m: { progress: SyncProgress }) => {
          this.syncProgress = m.progress;
          if (m.progress.state === 'synced' || m.progress.state === 'failed') {
            // Done, or failed: the pipeline is started again at the next slot if we are still far behind.
            if (this.syncing) {
              this.d.sometimes(`chain.sync-pipeline-${m.progress.state}`);
              this.d.log?.(`sync ${m.progress.state} at height ${m.progress.currentHeight} of ${m.progress.targetHeight} (${m.progress.blocksPerSec.toFixed(1)} blocks/s)`);
            }
            this.syncing = false;
          }
          this.publish();
        },
        'finalized-after': (m: { height: number; max: number }) => {
          const out: Array<{ height: number; payloadHash: Uint8Array }> = [];
          for (let h = m.height + 1; h < this.finalized.length && out.length < m.max; h++) {
            const b = this.blocks.get(this.finalized[h] ?? '');
            if (b === undefined) break;
            out.push({ height: h, payloadHash: b.message.executionPayload.blockHash });
          }
          return out;
        },
      },
    };
  }

  // ---- recovery ------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    this.publish();
    const stored = await this.ctx.ask(this.storage, { type: 'load' }, 60_000);
    for (const b of stored.blocks) {
      const hash = blockHash(b.message);
      const key = toHex(hash);
      if (this.tree.has(hash) || !this.tree.has(b.message.parentHash)) continue;
      // Our own disk is checked as gossip is: a block whose payload does not extend its parent's
      // (written by an older, laxer version, or corrupted) is not taken back into the chain.
      const linkage = this.payloadLinkageProblem(b.message);
      if (linkage !== undefined) {
        this.d.sometimes('chain.recovery-refused-block');
        this.d.log?.(`recovery: stored block ${b.message.height} refused: ${linkage}`);
        continue;
      }
      this.tree.add(hash, b.message.parentHash, b.message.height, b.message.slot);
      this.blocks.set(key, b);
      this.committed.add(key);
      if (b.message.pegIns.length > 0) this.mintedIn.set(key, b.message.pegIns.map(pegInKey));
      this.notePowState(b.message, key);
    }
    // The finalized record may name a block whose own record failed its checksum or was lost: then
    // finality is learned again (from peers and AuxPow) rather than trusted without its block.
    const finalKnown = stored.finalized !== undefined && this.tree.has(fromHex(stored.finalized.hash));
    if (stored.finalized !== undefined && stored.finalized.height > 0 && !finalKnown) this.d.sometimes('chain.finalized-record-unusable');
    // Planted bug: recovery forgets what was finalized (the chain comes back unfinalized).
    if (stored.finalized !== undefined && stored.finalized.height > 0 && finalKnown && !this.d.bugs.has('chain-forget-finalized-on-restart')) {
      const chain = this.tree.chainTo(fromHex(stored.finalized.hash));
      for (const node of chain) this.finalized[node.height] = node.key;
      this.tree.finalize(fromHex(stored.finalized.hash));
    }
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
   * An execution client that restarted may have lost its newest blocks (state not yet flushed when
   * it stopped). Our disk is the record: the last blocks of our head's branch are handed to it again,
   * in order, before we move its head; blocks it still has are acknowledged at once.
   */
  private async replayToExecution(): Promise<void> {
    const head = this.tree.head();
    if (head.height === 0) return;
    const from = Math.max(1, head.height - REPLAY_ON_RECOVERY);
    const statuses = new Map<string, number>();
    for (let h = from; h <= head.height; h++) {
      // Finalized blocks are pruned from the fork-choice tree: below it they come from the finalized
      // record (skipping them left a fresh execution client without their parents, for ever SYNCING).
      const key = h <= this.tree.finalized().height ? this.finalized[h] : this.tree.ancestorAt(head.hash, h)?.key;
      const b = key === undefined ? undefined : this.blocks.get(key);
      if (b === undefined) continue;
      const r = await this.engineCall({ type: 'execute', payload: b.message.executionPayload }, 10_000);
      if (r === undefined || r.status === 'UNAVAILABLE') {
        this.d.sometimes('chain.replay-engine-unavailable');
        this.d.log?.(`chain: replay to the execution client stopped at height ${h}: ${r === undefined ? 'no answer' : r.error}`);
        return;
      }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    this.d.log?.(`chain: replayed heights ${from}..${head.height} to the execution client: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
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
    if (this.recovered) this.ctx.tell(this.network, { type: 'publish', message: { topic: 'status', headHeight: this.tree.head().height } });
    this.maybeStartSync();
    const slot = slotAt(this.d.clock.now(), this.d.spec);
    if (this.myIndex === undefined || proposerIndexFor(slot, this.n) !== this.myIndex || slot <= this.lastSlotProduced) return;
    const head = this.tree.head();
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
    const finalizedNode = this.tree.finalized();
    const pow = this.usablePow();
    if (pow === undefined && head.height + 1 - finalizedNode.height > this.d.spec.maxBlocksWithoutPow) {
      this.d.sometimes('chain.production-paused-without-pow');
      return;
    }
    this.lastSlotProduced = slot;
    const parent = this.blocks.get(head.key) as SignedConsensusBlock;
    const finalizedBlock = this.blocks.get(finalizedNode.key) as SignedConsensusBlock;
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
    await this.importBlock(signed, undefined);
  }

  /** A queued AuxPow is usable if its range lies on our head chain after our finalized block. */
  /** The pipeline's AuxPow step as a verdict: undefined (holds), 'unknown' (cannot place it yet), or why not. */
  private checkPow(pow: AuxPowHeader, parentHash: Uint8Array): string | 'unknown' | undefined {
    try {
      return verifyAuxPow(this.store, pow, parentHash);
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
    if (pow.bits !== this.requiredBits(this.tree.head().hash)) return undefined;
    if (this.tree.get(pow.rangeEnd) === undefined || this.powRange(pow) === undefined || !this.onHeadChain(pow.rangeEnd)) {
      // Finalized past it, or on a fork we left: it can never be used.
      if (this.tree.get(pow.rangeEnd) === undefined) this.queuedPow = undefined;
      return undefined;
    }
    return pow;
  }

  private onHeadChain(hash: Uint8Array): boolean {
    const node = this.tree.get(hash);
    if (node === undefined) return false;
    const anc = this.tree.ancestorAt(this.tree.head().hash, node.height);
    return anc !== undefined && anc.key === node.key;
  }

  // ---- import --------------------------------------------------------------------------------

  private async onWire(from: string, m: WireMessage): Promise<void> {
    switch (m.topic) {
      case 'block':
        // Gossip, accepted by the gossip rules before it was relayed: `from` may be an honest relay
        // of a block its author got wrong, so nothing found later is held against it.
        return this.importBlock(m.block, from, false);
      case 'block-response':
        // Sent to us directly from the sender's own chain: the sender answers for it.
        return this.importBlock(m.block, from, true);
      case 'approval':
        return this.onApproval(from, m.approval.blockHash, m.approval.authorityIndex, m.approval.signature);
      case 'auxpow': {
        // Only a proof that holds on our chain replaces the one we would put in our next block: a
        // forged one would make every block we produce invalid until another proof came. One we
        // cannot place yet (we are behind) is kept only while we have no usable proof.
        const problem = this.checkPow(m.header, this.tree.head().hash);
        if (problem === undefined || (problem === 'unknown' && this.usablePow() === undefined)) this.queuedPow = m.header;
        else this.d.sometimes(problem === 'unknown' ? 'chain.auxpow-not-yet-placeable' : 'chain.auxpow-gossip-refused');
        return;
      }
      case 'status':
        this.peerHeads.set(from, m.headHeight);
        this.restartedBlind = false;
        if (this.syncing) this.ctx.tell(this.sync, { type: 'peer-height', peer: from, height: m.headHeight });
        return;
      case 'range-request': {
        for (const b of this.canonicalRange(m.startHeight, m.count)) {
          this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'block-response', block: b } });
        }
        this.d.sometimes('chain.range-served');
        return;
      }
      case 'block-request': {
        // Any committed block is served, finalized ones included: a node catching up walks back
        // through them one parent at a time.
        const key = toHex(m.hash);
        const b = this.blocks.get(key);
        if (b !== undefined && this.committed.has(key)) {
          this.ctx.tell(this.network, { type: 'send-to', peer: from, message: { topic: 'block-response', block: b } });
        }
        return;
      }
    }
  }

  /** A refused block; its sender pays only if it answers for the block (`blame`: sent directly). */
  private penalize(from: string | undefined, code: BlockErrorCode, detail: string, blame = true): void {
    const p = policyFor(code);
    if (from !== undefined && p.penalty < 0) {
      this.d.log?.(`block from ${from} refused: ${code}: ${detail}`);
      if (blame) {
        this.penalties++;
        this.ctx.tell(this.ctx.lookup<PeerMsg>(peerActorName), { type: 'penalize', peer: from, delta: p.penalty, reason: code, detail });
      }
    }
    this.d.sometimes(`chain.rejected.${code}`);
  }

  private async importBlock(signed: SignedConsensusBlock, from: string | undefined, blame = true): Promise<void> {
    if (!this.recovered) return;
    if (this.syncing && from !== undefined) {
      // The pipeline brings these in order; gossip far ahead of our head would only be orphaned.
      this.d.sometimes('chain.gossip-ignored-while-syncing');
      return;
    }
    const hash = blockHash(signed.message);
    const key = toHex(hash);
    if (this.blocks.has(key)) return;
    const b = signed.message;
    if (b.height <= this.tree.finalized().height) return;
    const withApprovals = signerIndices(signed.approvals.signers).length > 0;
    if (this.pending.has(key)) {
      // We hold it without enough approvals; a copy that carries a quorum's aggregate settles it.
      if (withApprovals && checkApprovals(signed, hash, this.d.spec, this.d.scheme).ok) {
        this.pending.delete(key);
        await this.accept(signed, hash);
      }
      return;
    }
    const parentNode = this.tree.get(b.parentHash);
    const parentPayload = parentNode === undefined ? undefined : this.blocks.get(parentNode.key)?.message.executionPayload;
    // Validation (signatures) runs on the pool, round robin, so several can be in flight.
    const validator = this.ctx.lookup<ValidationMsg>(validationActorName(this.nextValidator++ % this.d.validators));
    const v = await this.ctx.ask(
      validator,
      {
        type: 'validate',
        block: signed,
        parent: parentNode === undefined ? undefined : { height: parentNode.height, slot: parentNode.slot, ...(parentPayload !== undefined ? { payload: parentPayload } : {}) },
        requireApprovals: withApprovals,
        skipProposerCheck: this.d.bugs.has('chain-skip-proposer-check'),
        skipPayloadLinkage: this.d.bugs.has('chain-skip-payload-linkage'),
      },
      10_000,
    );
    if (!v.ok) {
      if (v.code === BlockErrorCode.UNKNOWN_PARENT) this.waitForParent(signed, from, blame);
      else this.penalize(from, v.code, v.detail, blame);
      return;
    }
    if (this.blocks.has(key) || this.pending.has(key)) return;
    // Only a quorum-approved block proves how far the chain has got: a pending block may never be
    // accepted, and a Byzantine authority can sign any height it likes.
    if (withApprovals) this.bestSeen = Math.max(this.bestSeen, b.height);
    const evidence = this.equivocation.observe(signed.proposerIndex, b.slot, hash);
    if (evidence !== undefined) {
      // The evidence names the proposer; the peer that relayed the second block may be honest, so
      // it is not penalised for it. The evidence is kept for the operators (and later slashing).
      this.d.sometimes('chain.equivocation-detected');
      this.evidence.push(evidence);
      if (this.evidence.length > 256) this.evidence.shift();
      if (!withApprovals && !this.d.bugs.has('chain-approve-twice')) return;
    }
    // Relaying is the transport's (gossipsub forwards what the gossip rules accepted), so every
    // honest node sees every block and an equivocation cannot hide behind a split of the network.
    let deferred: Deferred | undefined;
    try {
      deferred = await verifyChainRules(this.store, this.rulesDeps, b, this.tree.finalized().height);
    } catch (err) {
      if (!(err instanceof BlockError)) throw err;
      this.penalize(from, err.code, err.detail, blame);
      return;
    }
    if (deferred !== undefined) {
      if (deferred.deferred === 'auxpow-range-unknown') this.d.sometimes('chain.auxpow-not-yet-placeable');
      return;
    }
    const status = await this.engineCall({ type: 'execute', payload: b.executionPayload }, 10_000);
    if (status === undefined || status.status === 'UNAVAILABLE') {
      this.d.sometimes('chain.engine-unavailable');
      return;
    }
    if (status.status === 'INVALID') {
      this.penalize(from, BlockErrorCode.EXECUTION_INVALID, status.validationError, blame);
      return;
    }
    if (status.status === 'SYNCING') {
      this.d.sometimes('chain.import-deferred.engine-syncing');
      return;
    }
    if (withApprovals) {
      if (!checkApprovals(signed, hash, this.d.spec, this.d.scheme).ok) {
        this.penalize(from, BlockErrorCode.BAD_APPROVALS, 'aggregate', blame);
        return;
      }
      await this.accept(signed, hash);
      return;
    }
    this.pending.set(key, { signed, hash });
    this.maybeApprove(hash, b.slot);
    await this.tryAccept(key);
  }

  /** The chain as the pipeline's steps (src/chain/blocks) read it. */
  private get store(): ChainStore {
    return { spec: this.d.spec, tree: this.tree, finalized: this.finalized, requiredBits: (h) => this.requiredBits(h) };
  }

  private powRange(pow: AuxPowHeader): Uint8Array[] | undefined {
    return powRange(this.store, pow);
  }

  private readonly rulesDeps: ChainRulesDeps = { checkPegIns: (b) => this.checkPegIns(b) };

  /** Committed blocks on our head chain from startHeight on, oldest first (finalized ones included). */
  private canonicalRange(startHeight: number, count: number, max = MAX_RANGE): SignedConsensusBlock[] {
    const out: SignedConsensusBlock[] = [];
    const head = this.tree.head();
    const finalizedHeight = this.tree.finalized().height;
    for (let h = Math.max(1, startHeight); h < startHeight + Math.min(count, max) && h <= head.height; h++) {
      const key = h <= finalizedHeight ? this.finalized[h] : this.tree.ancestorAt(head.hash, h)?.key;
      const b = key === undefined ? undefined : this.blocks.get(key);
      if (b === undefined || !this.committed.has(key as string)) break;
      out.push(b);
    }
    return out;
  }

  private waitForParent(signed: SignedConsensusBlock, from: string | undefined, blame = true): void {
    const parentKey = toHex(signed.message.parentHash);
    const list = this.orphans.get(parentKey) ?? [];
    if (list.length < 8) list.push({ signed, from: from ?? '', blame });
    this.orphans.set(parentKey, list);
    if (this.orphans.size > 512) this.orphans.delete(this.orphans.keys().next().value as string);
    // Planted bug: an orphan waits for its parent to arrive by itself; nothing missing is asked for.
    if (from === undefined || this.syncing || this.d.bugs.has('chain-never-request-missing')) return;
    const head = this.tree.head();
    const gap = signed.message.height - head.height - 1;
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
    const head = this.tree.head();
    if (this.syncTarget() - head.height < SYNC_PIPELINE_GAP) return;
    const fin = this.tree.finalized();
    this.syncing = true;
    this.d.sometimes('chain.sync-pipeline-started');
    this.d.log?.(`sync: ${this.syncTarget() - head.height} blocks behind; the sync pipeline takes over from finalized height ${fin.height}`);
    const peers = [...this.peerHeads].map(([id, height]) => ({ id, height }));
    this.ctx.tell(this.sync, { type: 'start', anchor: { height: fin.height, hash: fin.hash }, peers });
  }

  private serveSync(from: string, r: Extract<SyncWire, { kind: 'request' }>): void {
    let blocks = this.canonicalRange(r.startHeight, r.count, MAX_BATCH);
    let bytes = encodeSync({ kind: 'response', requestId: r.requestId, blocks });
    // Big payloads: fewer blocks rather than a message the transport refuses (the peer re-cuts).
    while (bytes.length > MAX_SYNC_RESPONSE_BYTES && blocks.length > 1) {
      blocks = blocks.slice(0, Math.ceil(blocks.length / 2));
      bytes = encodeSync({ kind: 'response', requestId: r.requestId, blocks });
    }
    this.d.sometimes('chain.sync-range-served');
    this.ctx.tell(this.network, { type: 'send-bytes', peer: from, bytes });
  }

  /**
   * Blocks the SyncActor checked (structure, signatures, approvals) and executed, in order. The
   * rules that need the chain's own state are checked here, as on import: the proof-of-work range
   * and difficulty, blocks without proof of work, peg-ins. The blocks that pass are written in one
   * synced batch, and only then count as committed (and finalize what their proofs cover). The first
   * block that breaks a rule stops the batch; the SyncActor fails it and starts over from here.
   */
  private async adopt(blocks: readonly SignedConsensusBlock[]): Promise<AdoptResult> {
    const passed: Array<{ block: SignedConsensusBlock; hash: Uint8Array }> = [];
    let refused: string | undefined;
    // Finality as it will be once the passed blocks' proofs are applied (after the write).
    let finalizedHeight = this.tree.finalized().height;
    for (const signed of blocks) {
      const b = signed.message;
      const hash = blockHash(b);
      if (this.tree.has(hash)) continue;
      refused = await this.adoptionProblem(signed, finalizedHeight);
      if (refused !== undefined) {
        refused = `block ${b.height}: ${refused}`;
        break;
      }
      // Into the tree (not yet committed) so that the next block's checks see its parent and its
      // difficulty; nothing reads the tree from outside before the write below.
      this.tree.add(hash, b.parentHash, b.height, b.slot);
      this.blocks.set(toHex(hash), signed);
      this.notePowState(b, toHex(hash));
      if (b.auxPowHeader !== null) finalizedHeight = Math.max(finalizedHeight, this.tree.get(b.auxPowHeader.rangeEnd)?.height ?? 0);
      passed.push({ block: signed, hash });
    }
    if (passed.length > 0) await this.ctx.ask(this.storage, { type: 'put-blocks', blocks: passed }, 120_000);
    for (const { block, hash } of passed) {
      const key = toHex(hash);
      this.committed.add(key);
      if (block.message.pegIns.length > 0) this.mintedIn.set(key, block.message.pegIns.map(pegInKey));
      if (signerIndices(block.approvals.signers).length > 0) this.bestSeen = Math.max(this.bestSeen, block.message.height);
      this.accepted.push(acceptedRecord(block, hash));
      const pow = block.message.auxPowHeader;
      if (pow !== null && this.tree.has(pow.rangeEnd) && this.onChainOf(hash, pow.rangeEnd)) await this.finalize(pow.rangeEnd);
    }
    this.publish();
    if (refused !== undefined) {
      this.d.sometimes('chain.sync-block-refused');
      this.d.log?.(`sync: refused ${refused}`);
      return { ok: false, height: this.tree.head().height, reason: refused };
    }
    this.d.sometimes('chain.sync-batch-adopted');
    return { ok: true, height: this.tree.head().height };
  }

  /** The payload linkage rule against the parent we hold (sync and recovery); undefined if it holds. */
  private payloadLinkageProblem(b: SignedConsensusBlock['message']): string | undefined {
    if (this.d.bugs.has('chain-skip-payload-linkage')) return undefined;
    const parent = this.blocks.get(toHex(b.parentHash));
    if (parent === undefined) return 'parent unknown';
    const err = checkPayloadLinkage(b, parent.message.executionPayload, this.d.spec);
    if (err === undefined) return undefined;
    this.d.sometimes(`chain.rejected.${err.code}`);
    return err.message;
  }

  /** What stops a synced block from joining the chain, by the chain's own rules; undefined if nothing. */
  private async adoptionProblem(signed: SignedConsensusBlock, finalizedHeight: number): Promise<string | undefined> {
    const b = signed.message;
    if (!this.tree.has(b.parentHash)) return 'parent unknown';
    const linkage = this.payloadLinkageProblem(b);
    if (linkage !== undefined) return linkage;
    try {
      return (await verifyChainRules(this.store, this.rulesDeps, b, finalizedHeight))?.reason;
    } catch (err) {
      if (!(err instanceof BlockError)) throw err;
      return err.message;
    }
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
    const pk = this.d.spec.authorities[index];
    if (pk === undefined || !this.d.scheme.verify(pk, approvalMessage(hash), signature)) {
      // Approvals come only by gossip, whose rules already checked this signature: nobody to blame.
      this.penalize(from, BlockErrorCode.BAD_APPROVALS, `approval by ${index}`, false);
      return;
    }
    const key = toHex(hash);
    if (this.tree.has(hash)) return;
    this.recordApproval(key, index, signature);
    await this.tryAccept(key);
  }

  private async tryAccept(key: string): Promise<void> {
    const p = this.pending.get(key);
    const got = this.approvals.get(key);
    if (p === undefined || got === undefined || got.size < approvalThreshold(this.n)) return;
    this.pending.delete(key);
    const signed = { ...p.signed, approvals: aggregateApprovals(this.n, got, this.d.scheme) };
    await this.accept(signed, p.hash);
  }

  // ---- acceptance and finality ---------------------------------------------------------------

  private async accept(signed: SignedConsensusBlock, hash: Uint8Array): Promise<void> {
    const key = toHex(hash);
    if (this.tree.has(hash)) return;
    if (!this.tree.has(signed.message.parentHash)) {
      this.waitForParent(signed, undefined);
      return;
    }
    await this.ctx.ask(this.storage, { type: 'put-block', block: signed, hash }, 60_000);
    try {
      this.tree.add(hash, signed.message.parentHash, signed.message.height, signed.message.slot);
    } catch (err) {
      if (err instanceof ForkChoiceError) return;
      throw err;
    }
    this.blocks.set(key, signed);
    this.committed.add(key);
    this.notePowState(signed.message, key);
    if (signed.message.pegIns.length > 0) this.mintedIn.set(key, signed.message.pegIns.map(pegInKey));
    this.accepted.push(acceptedRecord(signed, hash));
    this.d.sometimes('chain.block-accepted');
    const pow = signed.message.auxPowHeader;
    if (pow !== null && this.tree.has(pow.rangeEnd) && this.onChainOf(hash, pow.rangeEnd)) await this.finalize(pow.rangeEnd);
    await this.commitHead();
    this.publish();
    const waiting = this.orphans.get(key);
    if (waiting !== undefined) {
      this.orphans.delete(key);
      for (const o of waiting) await this.importBlock(o.signed, o.from === '' ? undefined : o.from, o.blame);
    }
  }

  /**
   * Deposits minted on the branch ending at `key`. Blocks are content-addressed, so a branch's set
   * never changes: it is kept for recent blocks, and a new block walks back only to the nearest one
   * kept (its parent, as a rule) instead of to genesis; blocks without peg-ins share their parent's.
   */
  private mintedOn(key: string): ReadonlySet<string> {
    if (this.d.bugs.has('peg-minted-above-finality-only')) return this.mintedAboveFinality(key);
    const path: Array<{ key: string; block: SignedConsensusBlock }> = [];
    let k = key;
    let b = this.blocks.get(k);
    while (!this.mintedMemo.has(k) && b !== undefined && b.message.height > 0) {
      path.push({ key: k, block: b });
      k = toHex(b.message.parentHash);
      b = this.blocks.get(k);
    }
    // A walk that ran into a block we do not hold gives what it saw, as before, but is not kept.
    const complete = this.mintedMemo.has(k) || b !== undefined;
    let acc: ReadonlySet<string> = this.mintedMemo.get(k) ?? new Set<string>();
    for (let i = path.length - 1; i >= 0; i--) {
      const { key: at, block } = path[i] as { key: string; block: SignedConsensusBlock };
      if (block.message.pegIns.length > 0) {
        const next = new Set<string>(acc);
        for (const p of block.message.pegIns) next.add(pegInKey(p));
        acc = next;
      }
      if (!complete) continue;
      this.mintedMemo.set(at, acc);
      if (this.mintedMemo.size > 4_096) this.mintedMemo.delete(this.mintedMemo.keys().next().value as string);
    }
    return acc;
  }

  /** Planted bug: the walk stops at the finalized block, as if what is final could not be minted again. */
  private mintedAboveFinality(key: string): Set<string> {
    const out = new Set<string>();
    let b = this.blocks.get(key);
    const floor = this.tree.finalized().height;
    while (b !== undefined && b.message.height > floor) {
      for (const p of b.message.pegIns) out.add(pegInKey(p));
      b = this.blocks.get(toHex(b.message.parentHash));
    }
    return out;
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
    const minted = this.mintedOn(headKey);
    const out = confirmed.map(depositToPegIn).filter((p) => !minted.has(pegInKey(p))).slice(0, MAX_PEG_INS_PER_BLOCK);
    if (out.length > 0) this.d.sometimes('chain.peg-ins-minted');
    return out;
  }

  /** Undefined when the block's peg-ins may be minted; 'retry' when we cannot tell yet. */
  private async checkPegIns(b: SignedConsensusBlock['message']): Promise<string | 'retry' | undefined> {
    const structural = checkBlockPegIns(b, this.mintedOn(toHex(b.parentHash)));
    if (structural !== undefined) return structural;
    if (this.d.pegIns === undefined) return 'this node does not follow Bitcoin: it cannot check peg-ins';
    try {
      const v = await this.d.pegIns.verify(b.pegIns.map(pegInToDeposit));
      return v.ok ? undefined : v.reason;
    } catch {
      this.d.sometimes('chain.peg-ins-unverifiable');
      return 'retry';
    }
  }

  private onChainOf(tip: Uint8Array, hash: Uint8Array): boolean {
    const node = this.tree.get(hash);
    if (node === undefined) return false;
    const anc = this.tree.ancestorAt(tip, node.height);
    return anc !== undefined && anc.key === node.key;
  }

  private async finalize(hash: Uint8Array): Promise<void> {
    const chain = this.tree.chainTo(hash);
    const node = this.tree.get(hash);
    if (node === undefined || chain.length === 0) return;
    await this.ctx.ask(this.storage, { type: 'set-finalized', hash, height: node.height }, 60_000);
    this.tree.finalize(hash);
    // Planted bug: an off-by-one writes each newly finalized block one height too low, over what was there.
    const shift = this.d.bugs.has('chain-finalized-off-by-one') ? 1 : 0;
    for (const c of chain) this.finalized[c.height - shift] = c.key;
    this.queuedPow = undefined;
    for (const k of [...this.pending.keys()]) {
      const p = this.pending.get(k) as Pending;
      if (p.signed.message.height <= node.height) this.pending.delete(k);
    }
    this.d.sometimes('chain.finalized');
  }

  private async commitHead(): Promise<void> {
    const head = this.blocks.get(this.tree.head().key) as SignedConsensusBlock;
    const fin = this.blocks.get(this.tree.finalized().key) as SignedConsensusBlock;
    await this.engineCall({ type: 'commit', headPayloadHash: head.message.executionPayload.blockHash, finalizedPayloadHash: fin.message.executionPayload.blockHash }, 10_000);
  }

  private bundle(): BundleWork | undefined {
    const head = this.tree.head();
    const chain = this.tree.chainTo(head.hash);
    const first = chain[0];
    if (first === undefined) return undefined;
    // The next block carries the proof, so it must meet the difficulty after the current head.
    return { auxHash: bundleHash(chain.map((c) => c.hash)), rangeStart: first.hash, rangeEnd: head.hash, height: head.height, bits: this.requiredBits(head.hash) };
  }

  private publish(): void {
    const head = this.tree.head();
    this.d.publish({
      recovered: this.recovered,
      authorityIndex: this.myIndex,
      headHeight: head.height,
      headHash: head.key,
      finalized: this.finalized,
      committed: this.committed,
      accepted: this.accepted,
      producedBlocks: this.produced,
      productions: this.productions,
      penalties: this.penalties,
      // Planted bug: the status reports the finalized height as the current one.
      sync: this.syncStatus(this.d.bugs.has('chain-status-reports-finalized') ? this.tree.finalized().height : head.height),
      mintedIn: this.mintedIn,
      finalizedPayloadHash: toHex((this.blocks.get(this.tree.finalized().key) ?? this.genesis.signed).message.executionPayload.blockHash),
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
