// Sync as a SimApp: n0 is the production node (src/node/assemble.ts, not an authority) catching up
// with a long chain that the other honest nodes serve; Byzantine nodes serve forged batches
// (altered payloads, or a validly signed fork that does not link). The serving peers are a source
// chain in production format speaking the node's own wire: status every second, new blocks by
// gossip, range and block requests, sync range requests. The world's faults apply as usual.
import type { SyncActivity } from '../../src/actors/sync-actor.ts';
import { parallelDefaults, sequentialDefaults } from '../../src/actors/sync-actor.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { genesisPayload } from '../../src/chain/genesis.ts';
import { decodeWire, encodeWire } from '../../src/chain/wire.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { blsScheme } from '../../src/crypto/bls.ts';
import type { KeyPair, SignatureScheme } from '../../src/crypto/signature-scheme.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { defaultEpochMs } from '../../src/io/sim/clock.ts';
import { SimExecution, childPayload } from '../../src/io/sim/execution.ts';
import type { ExecutionClient } from '../../src/io/execution.ts';
import { assembleNode } from '../../src/node/assemble.ts';
import { defaultChainConfig } from '../../src/node/config.ts';
import { chainSpecOf } from '../../src/node/node-params.ts';
import { decodeSync, encodeSync, isSyncFrame } from '../../src/sync/range-protocol.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import { toHex } from '../../src/types/hex.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { type SimApp, type SimNodeContext, nodeSystemOptions } from '../app.ts';
import { simTuning } from '../chain/node.ts';
import type { Scenario } from '../scenario.ts';
import { syncInvariants } from './invariants.ts';
import { type SourceChain, buildSourceChain } from './source-chain.ts';

export interface SyncView {
  readonly role: 'syncer' | 'server';
  /** The node's chain as it publishes it (undefined until its chain actor first publishes). */
  readonly chain: ChainView | undefined;
  /** What the sync pipeline waits on, as it last published it. */
  readonly activity: SyncActivity | undefined;
  /** The head this incarnation recovered from its disk (undefined until recovered). */
  readonly resumedFrom: number | undefined;
  /** Payloads above the node's head sent to the execution client more than once in this incarnation (their numbers). */
  readonly executedTwice: readonly number[];
  /** Blocks this node's execution client executed (over all its incarnations). */
  readonly executed: number;
  /** When this incarnation's head first reached the source's height. */
  readonly syncedAt: number | undefined;
  /** The serving peers' chain, for the checker to compare with. */
  readonly source: SourceChain;
  readonly sourceHeight: number;
}

/** The chain the serving peers hold, with the spec and keys it was made under. */
export interface SyncChain {
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  readonly honest: SourceChain;
  /** Height by block hash (hex) of the honest chain. */
  readonly heightOf: ReadonlyMap<string, number>;
  fork(): SourceChain;
}

const chains = new Map<string, SyncChain>();

const AUTHORITIES = 4;

export const schemeFor = (s: Scenario): SignatureScheme => (s.sync.crypto === 'bls' ? blsScheme : simScheme);

/** A growing chain adds a block a slot, so its slot is the growth interval. */
const slotMsFor = (s: Scenario): number => (s.sync.growEveryMs > 0 ? s.sync.growEveryMs : defaultChainConfig(0).slotDurationMs);

/**
 * The serving peers' chain for a scenario (built once per shape and kept for the process): the
 * production defaults (src/node/config.ts) with genesis far enough back that the scenario's
 * `blocks` fill the slots up to the start of the run.
 */
export function sourceFor(s: Scenario): SyncChain {
  const growth = s.sync.growEveryMs > 0 ? Math.ceil(s.durationMs / s.sync.growEveryMs) + 10 : 0;
  const length = s.sync.blocks + growth;
  const slotMs = slotMsFor(s);
  const missedSlots = s.sync.missedSlots;
  const key = `${s.sync.crypto}|${length}|${s.sync.blocks}|${slotMs}|${missedSlots}`;
  let c = chains.get(key);
  if (c === undefined) {
    const scheme = schemeFor(s);
    const keys: KeyPair[] = Array.from({ length: AUTHORITIES }, (_, i) => scheme.keyFromSeed(new Uint8Array(32).fill(0x20 + i)));
    const chainConfig = { ...defaultChainConfig(defaultEpochMs - (s.sync.blocks + missedSlots) * slotMs), slotDurationMs: slotMs, authorities: keys.map((k) => toHex(k.publicKey)) };
    const spec = chainSpecOf({ chain: chainConfig });
    const honest = buildSourceChain({ length, spec, scheme, keys, missedSlots });
    const heightOf = new Map(honest.blocks.map((b) => [toHex(blockHash(b.message)), b.message.height]));
    let fork: SourceChain | undefined;
    // The fork has the same authorities (so its signatures verify) but hangs off another parent;
    // built only when a Byzantine server first needs it.
    c = { spec, scheme, honest, heightOf, fork: () => (fork ??= buildSourceChain({ length, spec, scheme, keys, missedSlots, forkParent: new Uint8Array(32).fill(0xf0) })) };
    chains.set(key, c);
  }
  return c;
}

function heightAt(s: Scenario, now: number): number {
  return s.sync.growEveryMs > 0 ? s.sync.blocks + Math.floor(now / s.sync.growEveryMs) : s.sync.blocks;
}

/**
 * A serving peer: answers the node's requests from the source chain, announces its head, gossips new
 * blocks. Byzantine, it either forges batches or announces a head 500 blocks above what it has and
 * stays silent when asked above it.
 */
function server(ctx: SimNodeContext, mode: 'honest' | 'forge' | 'overclaim'): { tick: () => void; onReceive: (from: string, bytes: Uint8Array) => void } {
  const chain = sourceFor(ctx.scenario);
  const { honest } = chain;
  const net = ctx.io.network;
  let served = 0;
  let announced: number | undefined;
  const top = (): number => heightAt(ctx.scenario, ctx.scheduler.now());
  const block = (h: number): SignedConsensusBlock => honest.blocks[h - 1] as SignedConsensusBlock;
  const forged = (start: number, end: number): SignedConsensusBlock[] => {
    let blocks = honest.blocks.slice(start - 1, end) as SignedConsensusBlock[];
    if (mode !== 'forge' || blocks.length === 0) return blocks;
    served++;
    if (served % 2 === 0) {
      blocks = chain.fork().blocks.slice(start - 1, end) as SignedConsensusBlock[];
      ctx.sometimes('sync.fork-batch-served');
    } else {
      // The tip's payload swapped for another that executes (other transactions on the same parent
      // payload) and links: only the proposer's signature, over the block's hash, gives it away.
      const k = blocks.length - 1;
      const b = blocks[k] as SignedConsensusBlock;
      const parentPayload = b.message.height === 1 ? genesisPayload() : (honest.blocks[b.message.height - 2] as SignedConsensusBlock).message.executionPayload;
      const p = b.message.executionPayload;
      const executionPayload = childPayload(parentPayload, { timestamp: p.timestamp, feeRecipient: p.feeRecipient, prevRandao: p.prevRandao, transactions: [new Uint8Array(100).fill(0xbd)] });
      blocks = [...blocks];
      blocks[k] = { ...b, message: { ...b.message, executionPayload } };
      ctx.sometimes('sync.forged-batch-served');
    }
    return blocks;
  };
  const onSync = (from: string, bytes: Uint8Array): void => {
    let m;
    try {
      m = decodeSync(bytes);
    } catch {
      return;
    }
    if (m.kind !== 'request') return;
    if (mode === 'overclaim' && m.startHeight > top()) {
      ctx.sometimes('sync.overclaimed-request-unanswered');
      return;
    }
    const end = Math.min(top(), m.startHeight + m.count - 1);
    net.send(from, encodeSync({ kind: 'response', requestId: m.requestId, blocks: forged(m.startHeight, end) }));
  };
  return {
    tick: () => {
      const h = top();
      // The most a lie can claim unrefuted: up to 500 more, no more than the slots since genesis.
      const lie = Math.min(h + 500, h + ctx.scenario.sync.missedSlots);
      const status = encodeWire({ topic: 'status', headHeight: mode === 'overclaim' ? lie : h });
      // New blocks go out by gossip, as an authority's do (a node that follows the chain needs them).
      const from = announced ?? h;
      const fresh = Array.from({ length: Math.max(0, h - from) }, (_, i) => encodeWire({ topic: 'block', block: block(from + 1 + i) }));
      announced = h;
      for (const p of net.peers()) {
        net.send(p, status);
        for (const b of fresh) net.send(p, b);
      }
    },
    onReceive: (from, bytes) => {
      if (isSyncFrame(bytes)) return onSync(from, bytes);
      let m;
      try {
        m = decodeWire(bytes);
      } catch {
        return;
      }
      if (m.topic === 'range-request') {
        const end = Math.min(top(), m.startHeight + m.count - 1);
        for (let h = Math.max(1, m.startHeight); h <= end; h++) net.send(from, encodeWire({ topic: 'block-response', block: block(h) }));
      } else if (m.topic === 'block-request') {
        const h = chain.heightOf.get(toHex(m.hash));
        if (h !== undefined && h <= top()) net.send(from, encodeWire({ topic: 'block-response', block: block(h) }));
      }
    },
  };
}

/**
 * The execution client as the node sees it, watched: which payloads above the node's head this
 * incarnation has executed and sends to it again (a block is executed once before it is committed).
 * Only a VALID answer counts as executed: Geth executes nothing when it answers SYNCING (parent
 * unknown) or an error, so handing such a block again (the chain's replay window growing until the
 * client knows the first parent) is its first execution, not a second. Blocks at or below the head
 * are committed: the chain's replays of them to a client that already has them are answered VALID
 * without executing anything, and are not counted either.
 */
function watched(el: SimExecution, head: () => number, twice: number[]): ExecutionClient {
  const executed = new Set<string>();
  return {
    forkchoiceUpdated: (state, attributes, options) => el.forkchoiceUpdated(state, attributes, options),
    getPayload: (id) => el.getPayload(id),
    getLogs: (hash, address) => el.getLogs(hash, address),
    headBlock: () => el.headBlock(),
    newPayload: (payload, options) => {
      const answer = el.newPayload(payload, options);
      if (payload.blockNumber > head()) {
        const key = toHex(payload.blockHash);
        if (executed.has(key)) twice.push(payload.blockNumber);
        answer.then(
          (r) => {
            if (r.status === 'VALID') executed.add(key);
          },
          () => undefined,
        );
      }
      return answer;
    },
  };
}

function buildSyncer(ctx: SimNodeContext) {
  const s = ctx.scenario;
  const chain = sourceFor(s);
  let el = ctx.persistent.get('el') as SimExecution | undefined;
  if (el === undefined) {
    el = new SimExecution({ scheduler: ctx.scheduler, owner: { alive: true }, latencyMs: s.sync.execMs, forkchoiceLatencyMs: s.sync.forkchoiceMs, txsPerBlock: 0 }, genesisPayload());
    ctx.persistent.set('el', el);
  }
  const base = s.sync.strategy === 'sequential' ? sequentialDefaults : { ...parallelDefaults, batchSize: s.sync.batchSize };
  const executedTwice: number[] = [];
  let resumedFrom: number | undefined;
  let syncedAt: number | undefined;
  const node = assembleNode(
    {
      scheduler: ctx.scheduler,
      clock: ctx.io.clock,
      rng: ctx.rng,
      storage: ctx.io.storage,
      network: ctx.io.network,
      execution: watched(el, () => node.chainView()?.headHeight ?? 0, executedTwice),
      executionGenesis: genesisPayload(),
      ...(ctx.storageAudit !== undefined ? { storageAudit: ctx.storageAudit } : {}),
      system: { trace: ctx.trace, ...(ctx.probe !== undefined ? { probe: ctx.probe } : {}), bugs: ctx.bugs },
    },
    {
      id: ctx.id,
      spec: chain.spec,
      scheme: chain.scheme,
      key: undefined,
      feeRecipient: new Uint8Array(20).fill(1),
      productionThreshold: s.sync.productionThreshold,
      validators: s.sync.strategy === 'sequential' ? 1 : s.sync.cores,
      sync: { ...base, checkpointEvery: s.sync.checkpointEvery, productionThreshold: s.sync.productionThreshold },
      log: () => undefined,
      sometimes: ctx.sometimes,
    },
    // A block's two signature checks (the proposer's and the approvals' aggregate) cost verifyCostMs each.
    { ...simTuning(ctx), validationCostMs: s.sync.verifyCostMs * 2 },
  );
  node.system.start();
  const elRef = el;
  let last: { chain: ChainView | undefined; activity: SyncActivity | undefined; view: SyncView } | undefined;
  return {
    system: node.system,
    view: (): SyncView => {
      const c = node.chainView();
      const activity = node.syncActivity();
      const sourceHeight = heightAt(s, ctx.scheduler.now());
      if (c?.recovered === true) {
        resumedFrom ??= c.headHeight;
        if (c.headHeight >= sourceHeight) syncedAt ??= ctx.scheduler.now();
      }
      if (last !== undefined && last.chain === c && last.activity === activity && last.view.sourceHeight === sourceHeight && last.view.executedTwice.length === executedTwice.length) return last.view;
      const view: SyncView = { role: 'syncer', chain: c, activity, resumedFrom, executedTwice: [...executedTwice], executed: elRef.executed, syncedAt, source: chain.honest, sourceHeight };
      last = { chain: c, activity, view };
      return view;
    },
  };
}

export const syncApp: SimApp<SyncView> = {
  name: 'sync',
  buildNode(ctx) {
    if (ctx.id === 'n0') return buildSyncer(ctx);
    const srv = server(ctx, 'honest');
    ctx.io.network.onReceive(srv.onReceive);
    // Serving peers run no actors of their own; an empty system keeps the world's bookkeeping uniform.
    const system = new ActorSystem(nodeSystemOptions(ctx), []).start();
    const tick = (): void => {
      srv.tick();
      ctx.io.clock.setTimer(1_000, tick);
    };
    ctx.io.clock.setTimer(ctx.rng.int(500), tick);
    const source = sourceFor(ctx.scenario).honest;
    return {
      system,
      view: (): SyncView => ({
        role: 'server',
        chain: undefined,
        activity: undefined,
        resumedFrom: undefined,
        executedTwice: [],
        executed: 0,
        syncedAt: undefined,
        source,
        sourceHeight: heightAt(ctx.scenario, ctx.scheduler.now()),
      }),
    };
  },
  buildByzantine(ctx) {
    const srv = server(ctx, ctx.scenario.sync.byzantine);
    return { onReceive: srv.onReceive, tick: srv.tick };
  },
  invariants: syncInvariants,
  swarmVariant(s, rng) {
    // Small networks are normal (a node bootstrapping from one authority): a swarm draws 1 to 4
    // honest serving peers besides the syncing n0, so the one-peer case is always covered.
    return { ...s, nodes: 2 + rng.int(4) };
  },
  bugs: {
    'sync-trust-unserved-claims': 'a peer that announces blocks it never serves keeps the sync target up for ever: the pipeline waits on it while the chain moves on',
    'sync-strict-peer-exclusion': 'sync never retries a batch from the peer that last failed it, and nothing wakes it when no other peer is left',
    'sync-trust-unlinked': 'sync trusts a batch without checking that it links to the previous one',
    'sync-checkpoint-before-persist': 'a sync batch is acknowledged at once and written with the next one, so the finalized record (what a restart resumes from) gets ahead of the blocks on disk',
    'sync-status-from-start': 'on a peer\'s head, sync measures itself from the height this run started at, not the last block processed',
    'sync-target-ignores-peers': 'the node measures itself only against blocks it has verified, not the heads peers announce: far behind, it calls itself synced',
    'sync-skip-batch-signatures': 'a downloaded batch goes on to execution without its signatures checked',
    'sync-reexecute-tip': 'sync hands the last block of each batch to the execution client a second time',
  },
  // A sync request re-sent after timeouts to one slow or lossy peer: up to 10 in 10 s.
  maxRepeatedSends: 25,
  probes: ['chain.recovered-from-disk', 'chain.sync-batch-adopted', 'chain.finalized', 'sync.forged-batch-refetched', 'sync.unlinked-batch-refetched', 'sync.request-timed-out', 'sync.retried-failed-peer', 'sync.waiting-for-peer'],
};
