// The sync domain, pure: the state machine, peer ranking, batches and their linkage.
import { describe, expect, it } from 'vitest';
import { blockHash } from '../../src/codec/block-codec.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { BatchScheduler } from '../../src/sync/batch-scheduler.ts';
import { BatchTransitionError, Batch } from '../../src/sync/batch.ts';
import { PeerManager } from '../../src/sync/peer-manager.ts';
import { IllegalSyncTransition, canProduce, stateFor, transition } from '../../src/sync/sync-state.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import { keys, signedBlock } from '../consensus/fixtures.ts';

const ks = keys(4, simScheme);
function chain(n: number): { genesis: Uint8Array; blocks: SignedConsensusBlock[] } {
  const genesis = new Uint8Array(32).fill(7);
  const blocks: SignedConsensusBlock[] = [];
  let parent: Uint8Array = genesis;
  for (let h = 1; h <= n; h++) {
    const b = signedBlock(ks, simScheme, parent, h, h, [0, 1, 2]);
    blocks.push(b);
    parent = blockHash(b.message);
  }
  return { genesis, blocks };
}

describe('sync state', () => {
  it('moves through the states and allows production only above the threshold', () => {
    expect(stateFor(0, 10_000).kind).toBe('downloading');
    expect(stateFor(9_990, 10_000).kind).toBe('catching-up');
    expect(stateFor(10_000, 10_000).kind).toBe('synced');
    expect(stateFor(9_960, 10_000).kind).toBe('catching-up');
    expect(canProduce(stateFor(9_960, 10_000), 0.995)).toBe(true);
    expect(canProduce(stateFor(9_940, 10_000), 0.995)).toBe(false);
    expect(canProduce(stateFor(80, 100), 0.995)).toBe(false);
    expect(canProduce(stateFor(100, 10_000), 0.995)).toBe(false);
    expect(() => transition({ kind: 'failed', reason: 'x', recoverable: true, current: 1 }, { kind: 'synced', height: 1 })).toThrow(IllegalSyncTransition);
  });
});

describe('peer manager', () => {
  it('never exceeds the per-peer limit and prefers fast, reliable peers', () => {
    const pm = new PeerManager(2);
    for (const p of ['a', 'b', 'c']) pm.upsert(p, 1_000);
    pm.started('a');
    pm.succeeded('a', 256, 100);
    pm.timedOut('b');
    expect(pm.pick(500)?.id).toBe('a');
    pm.started('a');
    pm.started('a');
    expect(pm.pick(500)?.id).not.toBe('a');
    pm.invalid('c');
    expect(pm.usable().map((p) => p.id)).toEqual(['a', 'b']);
    expect(pm.pick(2_000)).toBeUndefined();
  });

  it('a peer that failed a batch is a last resort, retried after its back-off; only forgery bans', () => {
    const pm = new PeerManager({ maxInFlightPerPeer: 2, backoffMs: 500, maxBackoffMs: 8_000 });
    pm.upsert('only', 1_000);
    pm.started('only');
    pm.timedOut('only', 10_000);
    const failed = new Set(['only']);
    // Backing off: nobody to ask now, and the time to try again is known.
    expect(pm.pick(500, 10_000, failed)).toBeUndefined();
    expect(pm.nextRetryAt(500, 10_000)).toBe(10_500);
    // After the back-off the same peer serves the batch again (the old rule excluded it for good).
    expect(pm.pick(500, 10_500, failed)?.id).toBe('only');
    expect(pm.pick(500, 10_500, failed, true)).toBeUndefined();
    // Another timeout doubles the back-off; a success clears it.
    pm.started('only');
    pm.timedOut('only', 11_000);
    expect(pm.nextRetryAt(500, 11_000)).toBe(12_000);
    pm.started('only');
    pm.succeeded('only', 32, 100);
    pm.started('only');
    pm.timedOut('only', 20_000);
    expect(pm.nextRetryAt(500, 20_000)).toBe(20_500);
    // A peer that has not failed the batch goes first when there is one.
    pm.upsert('other', 1_000);
    expect(pm.pick(500, 30_000, failed)?.id).toBe('other');
    expect(pm.usable().map((p) => p.id)).toEqual(['only', 'other']);
    pm.invalid('other');
    expect(pm.usable().map((p) => p.id)).toEqual(['only']);
  });

  it('a peer that fails three requests in a row stops counting above the first height it failed to give, until it serves or a new run', () => {
    const pm = new PeerManager({ maxInFlightPerPeer: 2, backoffMs: 500, maxBackoffMs: 8_000 });
    pm.upsert('liar', 2_000);
    pm.upsert('honest', 1_500);
    const fail = (from: number, at: number): void => {
      pm.started('liar');
      pm.timedOut('liar', at, from);
    };
    fail(1_600, 0);
    fail(1_501, 1_000);
    expect(pm.bestHeight()).toBe(2_000); // two failures may be a lossy link
    fail(1_700, 2_000);
    expect(pm.bestHeight()).toBe(1_500); // the lowest height it failed to give, less one: 1_500
    expect(pm.pick(1_600, 100_000)).toBeUndefined();
    // Announcing its head again changes nothing; serving does.
    pm.upsert('liar', 2_100);
    expect(pm.bestHeight()).toBe(1_500);
    pm.started('liar');
    pm.succeeded('liar', 32, 100);
    expect(pm.bestHeight()).toBe(2_100);
    for (const [from, at] of [[1_600, 0], [1_600, 1], [1_600, 2]] as const) fail(from, at);
    expect(pm.bestHeight()).toBe(1_599);
    pm.forgetUnserved();
    expect(pm.bestHeight()).toBe(2_100);
    // The planted bug believes every claim.
    const trusting = new PeerManager({ maxInFlightPerPeer: 2, backoffMs: 500, maxBackoffMs: 8_000 }, true);
    trusting.upsert('liar', 2_000);
    for (let i = 0; i < 5; i++) {
      trusting.started('liar');
      trusting.timedOut('liar', i, 1_600);
    }
    expect(trusting.bestHeight()).toBe(2_000);
  });
});

describe('batches', () => {
  it('illegal batch transitions throw', () => {
    const b = new Batch(0, 1, 10);
    expect(() => b.done()).toThrow(BatchTransitionError);
  });

  it('downloads out of order, processes in order, and only linked batches', () => {
    const { genesis, blocks } = chain(40);
    const s = new BatchScheduler({ height: 0, hash: genesis }, 40, { batchSize: 10, window: 3 });
    const [b0, b1, b2] = s.awaitingDownload();
    b0?.startDownload('p', 0);
    b1?.startDownload('q', 0);
    b2?.startDownload('r', 0);
    expect(s.accept(b1!.id, blocks.slice(10, 20))).toBeUndefined();
    expect(s.nextToProcess()).toBeUndefined(); // batch 0 has not arrived
    expect(s.accept(b0!.id, blocks.slice(0, 10))).toBeUndefined();
    const first = s.nextToProcess();
    expect(first !== undefined && 'blocks' in first && first.blocks.length).toBe(10);
    if (first !== undefined && 'blocks' in first) s.begin(first.batch);
    s.processed(b0!.id, { height: 10, hash: blockHash(blocks[9]!.message) });
    // A forged batch 2: well-formed but not linking to batch 1's last block.
    const forged = chain(40).blocks.slice(20, 30).map((b) => ({ ...b, message: { ...b.message, parentHash: new Uint8Array(32) } }));
    expect(s.accept(b2!.id, forged)?.reason).toMatch(/does not link/);
    expect(b2!.failedPeers.has('r')).toBe(true);
    const next = s.nextToProcess();
    expect(next !== undefined && 'blocks' in next).toBe(true);
  });

  it('lowered to what peers serve, drops the batches above that no one is downloading, and can end there', () => {
    const { genesis, blocks } = chain(40);
    const s = new BatchScheduler({ height: 0, hash: genesis }, 40, { batchSize: 10, window: 4 });
    const [b0, b1, b2, b3] = s.awaitingDownload();
    b0?.startDownload('p', 0);
    b2?.startDownload('q', 0);
    s.lowerTo(15);
    expect(s.targetHeight).toBe(15);
    // b3 is dropped; b2 is being downloaded (kept until it fails); b1 straddles the new target.
    expect(s.find(b3!.id)).toBeUndefined();
    expect(s.find(b2!.id)).toBeDefined();
    expect(s.find(b1!.id)).toBeDefined();
    expect(s.timedOut(b2!.id)).toBe('q');
    s.lowerTo(15);
    expect(s.find(b2!.id)).toBeUndefined();
    // Never below the anchor, never raised by lowerTo.
    s.lowerTo(40);
    expect(s.targetHeight).toBe(15);
    expect(s.accept(b0!.id, blocks.slice(0, 10))).toBeUndefined();
    const first = s.nextToProcess();
    if (first !== undefined && 'blocks' in first) s.begin(first.batch);
    s.processed(b0!.id, { height: 10, hash: blockHash(blocks[9]!.message) });
    b1?.startDownload('p', 0);
    expect(s.accept(b1!.id, blocks.slice(10, 15))).toBeUndefined();
    const second = s.nextToProcess();
    if (second !== undefined && 'blocks' in second) s.begin(second.batch);
    s.processed(b1!.id, { height: 15, hash: blockHash(blocks[14]!.message) });
    expect(s.finished).toBe(true);
  });

  it('holds downloads beyond a byte budget ahead of processing, but never the earliest batch missing', () => {
    const { genesis, blocks } = chain(60);
    const s = new BatchScheduler({ height: 0, hash: genesis }, 60, { batchSize: 10, window: 6, maxBufferedBytes: 25_000 });
    const [b0, b1, b2, b3, b4] = s.awaitingDownload();
    for (const b of [b0, b1, b2, b3, b4]) expect(s.mayDownload(b!)).toBe(true);
    b0?.startDownload('p', 0);
    b1?.startDownload('q', 0);
    // 1,000 bytes a block: batch 1 alone holds 10,000 beyond the head batch.
    expect(s.accept(b1!.id, blocks.slice(10, 20), 10_000)).toBeUndefined();
    expect(s.bufferedBytes()).toBe(10_000);
    b2?.startDownload('r', 0);
    // Batch 2 in flight counts at the average block size seen: 20,000 in all, still under.
    expect(s.bufferedBytes()).toBe(20_000);
    expect(s.mayDownload(b3!)).toBe(true);
    b3?.startDownload('p', 0);
    expect(s.bufferedBytes()).toBe(30_000);
    expect(s.mayDownload(b4!)).toBe(false);
    // Batch 0 times out: over budget, it is the earliest batch missing, so it may start again.
    expect(s.timedOut(b0!.id)).toBe('p');
    expect(s.mayDownload(b0!)).toBe(true);
    expect(s.mayDownload(b4!)).toBe(false);
    b0?.startDownload('q', 0);
    expect(s.accept(b0!.id, blocks.slice(0, 10), 10_000)).toBeUndefined();
    // The head batch is not counted: processing it and moving on frees batch 1's bytes from the count.
    const first = s.nextToProcess();
    if (first !== undefined && 'blocks' in first) s.begin(first.batch);
    expect(s.mayDownload(b4!)).toBe(false);
    s.processed(b0!.id, { height: 10, hash: blockHash(blocks[9]!.message) });
    expect(s.bufferedBytes()).toBe(20_000);
    expect(s.mayDownload(b4!)).toBe(true);
  });

  it('a batch whose first block does not link to the anchor is refetched', () => {
    const { genesis, blocks } = chain(20);
    const s = new BatchScheduler({ height: 0, hash: new Uint8Array(32).fill(1) }, 20, { batchSize: 10, window: 2 });
    const [b0] = s.awaitingDownload();
    b0?.startDownload('p', 0);
    s.accept(b0!.id, blocks.slice(0, 10));
    const r = s.nextToProcess();
    expect(r !== undefined && 'reason' in r && r.reason).toMatch(/does not link/);
    expect(b0!.state.kind).toBe('awaiting-download');
    void genesis;
  });
});

describe('adaptive batch size', () => {
  it('halves after a slow or timed-out batch and grows back, within bounds', () => {
    const s = new BatchScheduler({ height: 0, hash: new Uint8Array(32) }, 100_000, { batchSize: 256, window: 2 });
    s.adapt('timeout', 5_000);
    expect(s.currentBatchSize).toBe(128);
    s.adapt(6_000, 5_000);
    expect(s.currentBatchSize).toBe(64);
    for (let i = 0; i < 10; i++) s.adapt(100, 5_000);
    expect(s.currentBatchSize).toBe(256);
    for (let i = 0; i < 10; i++) s.adapt('timeout', 5_000);
    expect(s.currentBatchSize).toBe(32);
  });

  it('grows again only on a quick full batch, and a batch cut larger asks for the current size', () => {
    const s = new BatchScheduler({ height: 0, hash: new Uint8Array(32) }, 100_000, { batchSize: 128, window: 1 });
    s.adapt('timeout', 5_000);
    expect(s.currentBatchSize).toBe(64);
    // The one-block tail of a growing chain comes back at once: it says nothing of a full batch.
    for (let i = 0; i < 10; i++) s.adapt(10, 5_000, 1);
    expect(s.currentBatchSize).toBe(64);
    const [cut] = s.awaitingDownload();
    expect(cut?.count).toBe(128);
    expect(s.requestCount(cut!)).toBe(64);
    s.adapt(10, 5_000, 64);
    expect(s.currentBatchSize).toBe(128);
    expect(s.requestCount(cut!)).toBe(128);
  });
});

describe('sync metrics', () => {
  it('exposes the progress as Prometheus gauges', async () => {
    const { Registry } = await import('prom-client');
    const { registerSyncMetrics } = await import('../../src/sync/metrics.ts');
    const registry = new Registry();
    registerSyncMetrics(registry, () => ({ state: 'catching-up', currentHeight: 9_960, targetHeight: 10_000, blocksPerSec: 250, peerCount: 3, lastCheckpoint: 9_900, canProduce: true }));
    const text = await registry.metrics();
    expect(text).toMatch(/alys_sync_current_height 9960/);
    expect(text).toMatch(/alys_sync_can_produce 1/);
    expect(text).toMatch(/alys_sync_state\{state="catching-up"\} 1/);
    expect(text).toMatch(/alys_sync_state\{state="synced"\} 0/);
  });
});
