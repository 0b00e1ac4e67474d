// The block pipeline without a network: each step's error code (with the values that failed) for
// a bad block, the import order (persist, then fork choice), and gossip and sync reaching the same
// verdict on the same block.
import { describe, expect, it } from 'vitest';
import { encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { bundleHash } from '../../src/auxpow/bundle.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import type { ChainStore } from '../../src/chain/blocks/chain-store.ts';
import { blockErrorAction } from '../../src/chain/blocks/error-policy.ts';
import type { VerifiedBlock } from '../../src/chain/blocks/import-blocks.ts';
import { type PowState, initialPowState } from '../../src/chain/blocks/pow-state.ts';
import { type ProcessDeps, type ProcessOptions, type ProcessResult, processBlocks, sourceOptions } from '../../src/chain/blocks/process-blocks.ts';
import type { ExecutionStatus } from '../../src/chain/blocks/verify-execution.ts';
import { BlockError, BlockErrorCode } from '../../src/consensus/block-error.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { BlockTree } from '../../src/consensus/fork-choice.ts';
import { aggregateApprovals, approve, noApprovals, signBlock } from '../../src/consensus/sign-block.ts';
import { validateBlock } from '../../src/consensus/validate-block.ts';
import type { KeyPair } from '../../src/crypto/signature-scheme.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import type { AuxPowHeader, ConsensusBlock, SignedConsensusBlock } from '../../src/types/chain.ts';
import { toHex } from '../../src/types/hex.ts';
import { emptyBlock, keys, spec as baseSpec } from '../consensus/fixtures.ts';

const ks = keys(4, simScheme);
const NOW = 1_000_000_000;

/** A child of `parent` in `slot`, by the slot's proposer, its payload extending the parent's; approved by `approvers`. */
function child(parent: SignedConsensusBlock, slot: number, o: { approvers?: readonly number[]; edit?: (b: ConsensusBlock) => ConsensusBlock; proposer?: number } = {}): SignedConsensusBlock {
  const p = parent.message;
  const base = emptyBlock(blockHash(p), slot, p.height + 1);
  const plain: ConsensusBlock = {
    ...base,
    executionPayload: { ...base.executionPayload, parentHash: p.executionPayload.blockHash, blockNumber: p.executionPayload.blockNumber + 1, blockHash: new Uint8Array(32).fill(p.height + 101) },
  };
  const block = o.edit === undefined ? plain : o.edit(plain);
  const proposer = o.proposer ?? slot % ks.length;
  const signed = signBlock(block, proposer, ks[proposer] as KeyPair, ks.length);
  const hash = blockHash(block);
  const approvers = o.approvers ?? [0, 1, 2];
  if (approvers.length === 0) return { ...signed, approvals: noApprovals(ks.length) };
  return { ...signed, approvals: aggregateApprovals(ks.length, new Map(approvers.map((i) => [i, approve(hash, ks[i] as KeyPair)])), simScheme) };
}

const root: SignedConsensusBlock = signBlock(emptyBlock(new Uint8Array(32), 0, 0), 0, ks[0] as KeyPair, ks.length);

interface World {
  readonly store: ChainStore;
  readonly tree: BlockTree;
  readonly log: string[];
  deps(o?: { execution?: ExecutionStatus['status']; deposits?: 'ok' | 'refused' | 'unreachable' | 'unknown' }): ProcessDeps;
}

function world(spec: ChainSpec = baseSpec(ks)): World {
  const rootHash = blockHash(root.message);
  const tree = new BlockTree({ hash: rootHash, height: 0, slot: 0 });
  const blocks = new Map<string, SignedConsensusBlock>([[toHex(rootHash), root]]);
  const pow = new Map<string, PowState>([[toHex(rootHash), initialPowState(spec)]]);
  const store: ChainStore = { spec, tree, finalized: [toHex(rootHash)], block: (h) => blocks.get(toHex(h)), powState: (h) => pow.get(toHex(h)) };
  const log: string[] = [];
  return {
    store,
    tree,
    log,
    deps: (o = {}) => ({
      store,
      nowMs: () => NOW,
      // The pool's check: the block against its parent, then its signature sets.
      verifySignatures: async (block, parent, requireApprovals) => {
        const v = validateBlock(block, { spec, nowMs: NOW, scheme: simScheme, parent: () => parent, requireApprovals });
        return v.ok ? { ok: true } : { ok: false, code: v.error.code, detail: v.error.detail };
      },
      execute: async (payload): Promise<ExecutionStatus | undefined> => {
        const status = o.execution ?? 'VALID';
        log.push(`execute ${payload.blockNumber}`);
        if (status === 'UNAVAILABLE') return undefined;
        if (status === 'INVALID') return { status, validationError: 'bad state root' };
        if (status === 'VALID') return { status, latestValidHash: payload.blockHash };
        return { status };
      },
      pegIns: {
        mintedOn: () => new Set<string>(),
        verify: async () => {
          if (o.deposits === 'unreachable') throw new Error('bitcoin down');
          if (o.deposits === 'unknown') return { ok: 'unknown', reason: 'our Bitcoin node is out of reach' };
          return o.deposits === 'refused' ? { ok: false, reason: 'deposit not confirmed' } : { ok: true };
        },
      },
      persist: async (bs: readonly VerifiedBlock[]) => {
        log.push(`persist ${bs.map((b) => b.signed.message.height).join(',')}`);
      },
      addToForkChoice: async (b: VerifiedBlock) => {
        log.push(`fork-choice ${b.signed.message.height}`);
        tree.add(b.hash, b.signed.message.parentHash, b.signed.message.height, b.signed.message.slot);
        blocks.set(toHex(b.hash), b.signed);
        pow.set(toHex(b.hash), b.pow);
      },
    }),
  };
}

const refusedCode = (r: ProcessResult): string | undefined => r.refused[0]?.error.code;

async function verdict(block: SignedConsensusBlock, o: ProcessOptions, w = world(), d?: Parameters<World['deps']>[0]): Promise<ProcessResult> {
  return processBlocks([block], o, w.deps(d));
}

/** A proof of work mined over `range` (hashes of our chain) for the given chain id and bits. */
function proof(spec: ChainSpec, range: readonly Uint8Array[], o: { chainId?: number } = {}): AuxPowHeader {
  const mined = mineAuxPow(bundleHash([...range]), o.chainId ?? spec.auxPowChainId, spec.initialBits, 0, 100_000);
  if (mined === undefined) throw new Error('not mined');
  const rangeStart = range[0] as Uint8Array;
  const rangeEnd = range[range.length - 1] as Uint8Array;
  return { rangeStart, rangeEnd, bits: spec.initialBits, chainId: o.chainId ?? spec.auxPowChainId, height: 1, auxPow: encodeAuxPow(mined.auxPow), feeRecipient: new Uint8Array(20) };
}

const b1 = child(root, 1);

describe('processBlocks: each step refuses a bad block with its code and the values that failed', () => {
  it('imports a good block: persisted, then in fork choice', async () => {
    const w = world();
    const r = await processBlocks([b1], sourceOptions.gossip, w.deps());
    expect(r.refused).toEqual([]);
    expect(r.imported.map((b) => b.signed.message.height)).toEqual([1]);
    expect(w.log).toEqual(['execute 1', 'persist 1', 'fork-choice 1']);
    expect(w.tree.head().height).toBe(1);
  });

  it('sanity and linkage', async () => {
    const stranger = child(child(root, 1, { edit: (b) => ({ ...b, extraData: 1 }) as ConsensusBlock }), 2);
    expect(refusedCode(await verdict(stranger, sourceOptions.gossip))).toBe(BlockErrorCode.UNKNOWN_PARENT);
    const cases: Array<[string, SignedConsensusBlock, BlockErrorCode, unknown]> = [
      ['future slot', child(root, 1_000_000), BlockErrorCode.FUTURE_SLOT, { slot: 1_000_000 }],
      ['height', child(root, 1, { edit: (b) => ({ ...b, height: 5 }) }), BlockErrorCode.WRONG_HEIGHT, { expected: 1, actual: 5 }],
      ['slot', child(root, 0), BlockErrorCode.SLOT_NOT_INCREASING, { parentSlot: 0, slot: 0 }],
      [
        'payload parent',
        child(root, 1, { edit: (b) => ({ ...b, executionPayload: { ...b.executionPayload, parentHash: new Uint8Array(32).fill(9) } }) }),
        BlockErrorCode.PAYLOAD_PARENT_MISMATCH,
        { parentPayloadHash: toHex(root.message.executionPayload.blockHash), payloadParentHash: toHex(new Uint8Array(32).fill(9)) },
      ],
      ['payload number', child(root, 1, { edit: (b) => ({ ...b, executionPayload: { ...b.executionPayload, blockNumber: 7 } }) }), BlockErrorCode.PAYLOAD_NUMBER_MISMATCH, { expected: 1, actual: 7 }],
      ['payload time', child(root, 1, { edit: (b) => ({ ...b, executionPayload: { ...b.executionPayload, timestamp: 3 } }) }), BlockErrorCode.PAYLOAD_TIMESTAMP_NOT_SLOT, { slot: 1, expected: 2, actual: 3 }],
      ['proposer', child(root, 1, { proposer: 2 }), BlockErrorCode.WRONG_PROPOSER, { slot: 1, expected: 1, actual: 2 }],
    ];
    for (const [what, block, code, data] of cases) {
      const r = await verdict(block, sourceOptions.gossip);
      expect(refusedCode(r), what).toBe(code);
      expect(r.refused[0]?.error.data, what).toMatchObject(data as object);
      expect(r.imported, what).toEqual([]);
    }
  });

  it('AuxPow range and difficulty', async () => {
    const strict = { ...baseSpec(ks), maxBlocksWithoutPow: 0 };
    const r = await verdict(b1, sourceOptions.gossip, world(strict));
    expect(refusedCode(r)).toBe(BlockErrorCode.TOO_MANY_WITHOUT_POW);
    expect(r.refused[0]?.error.data).toEqual({ height: 1, finalizedHeight: 0, max: 0 });
    const spec = baseSpec(ks);
    const h1 = blockHash(b1.message);
    const withPow = (pow: AuxPowHeader) => child(b1, 2, { edit: (b) => ({ ...b, auxPowHeader: pow }) });
    const good = await processBlocks([b1, withPow(proof(spec, [h1]))], sourceOptions.sync, world().deps());
    expect(good.refused).toEqual([]);
    expect(good.imported.length).toBe(2);
    const wrongChain = await processBlocks([b1, withPow(proof(spec, [h1], { chainId: 9 }))], sourceOptions.sync, world().deps());
    expect(refusedCode(wrongChain)).toBe(BlockErrorCode.BAD_AUXPOW);
    expect(wrongChain.refused[0]?.error.data).toMatchObject({ rangeEnd: toHex(h1), reason: 'wrong chain id 9' });
    // What passed before the refusal is imported all the same.
    expect(wrongChain.imported.map((b) => b.signed.message.height)).toEqual([1]);
    const elsewhere = new Uint8Array(32).fill(77);
    const unknown = await processBlocks([b1, withPow({ ...proof(spec, [h1]), rangeStart: elsewhere, rangeEnd: elsewhere })], sourceOptions.sync, world().deps());
    expect(refusedCode(unknown)).toBe(BlockErrorCode.AUXPOW_RANGE_UNKNOWN);
  });

  it('peg-in rules', async () => {
    const pegIn = { txid: new Uint8Array(32).fill(5), vout: 0, evmAddress: new Uint8Array(20).fill(1), amountSats: 1_000 };
    // Peg-ins with no matching withdrawals: refused before Bitcoin is asked.
    const unmatched = child(root, 1, { edit: (b) => ({ ...b, pegIns: [pegIn] }) });
    const r = await verdict(unmatched, sourceOptions.gossip);
    expect(refusedCode(r)).toBe(BlockErrorCode.INVALID_PEG_IN);
    expect(r.refused[0]?.error.data).toMatchObject({ pegIns: 1 });
    const { withdrawalsFor } = await import('../../src/bridge/peg-in-rules.ts');
    const minting = child(root, 1, { edit: (b) => ({ ...b, pegIns: [pegIn], executionPayload: { ...b.executionPayload, withdrawals: withdrawalsFor([pegIn], 1) } }) });
    expect((await verdict(minting, sourceOptions.gossip)).imported.length).toBe(1);
    expect(refusedCode(await verdict(minting, sourceOptions.gossip, world(), { deposits: 'refused' }))).toBe(BlockErrorCode.INVALID_PEG_IN);
    expect(refusedCode(await verdict(minting, sourceOptions.gossip, world(), { deposits: 'unreachable' }))).toBe(BlockErrorCode.PEG_INS_UNCONFIRMED);
    // Our Bitcoin node cannot be read: the block is not judged, and its sender is not blamed.
    const unseen = await verdict(minting, sourceOptions.peer, world(), { deposits: 'unknown' });
    expect(refusedCode(unseen)).toBe(BlockErrorCode.PEG_INS_UNCONFIRMED);
    const { blockErrorAction } = await import('../../src/chain/blocks/error-policy.ts');
    expect(blockErrorAction((unseen.refused[0] as (typeof unseen.refused)[number]).error, 'peer').kind).toBe('retry-later');
  });

  it('signatures', async () => {
    const forged = { ...b1, signature: b1.approvals.signature };
    expect(refusedCode(await verdict(forged, sourceOptions.peer))).toBe(BlockErrorCode.BAD_SIGNATURE);
    const badApprovals = { ...b1, approvals: { ...b1.approvals, signature: b1.signature } };
    expect(refusedCode(await verdict(badApprovals, sourceOptions.peer))).toBe(BlockErrorCode.BAD_APPROVALS);
    expect(refusedCode(await verdict(forged, sourceOptions.own))).toBe(BlockErrorCode.BAD_SIGNATURE);
    // A gossip block passed the gossip rules, which verified these same signatures (the gossip
    // validation tests refuse both): the pipeline does not verify them again.
    expect(refusedCode(await verdict(forged, sourceOptions.gossip))).toBeUndefined();
    // Without approvals: verified and executed, then held for a quorum rather than imported.
    const w = world();
    const r = await processBlocks([child(root, 1, { approvers: [] })], sourceOptions.gossip, w.deps());
    expect(r.awaitingApprovals.length).toBe(1);
    expect(r.imported).toEqual([]);
    expect(w.log).toEqual(['execute 1']);
  });

  it('execution', async () => {
    for (const [status, code] of [
      ['INVALID', BlockErrorCode.EXECUTION_INVALID],
      ['SYNCING', BlockErrorCode.EXECUTION_SYNCING],
      ['UNAVAILABLE', BlockErrorCode.EXECUTION_UNAVAILABLE],
    ] as const) {
      const w = world();
      const r = await verdict(b1, sourceOptions.gossip, w, { execution: status });
      expect(refusedCode(r), status).toBe(code);
      expect(r.refused[0]?.error.data).toMatchObject({ payloadHash: toHex(b1.message.executionPayload.blockHash) });
      // Nothing reaches the disk or fork choice.
      expect(w.log).toEqual(['execute 1']);
    }
  });

  it('a segment is persisted in one write, then each block enters fork choice in order', async () => {
    const b2 = child(b1, 2);
    const b3 = child(b2, 3);
    const w = world();
    const r = await processBlocks([b1, b2, b3], sourceOptions.sync, w.deps());
    expect(r.imported.length).toBe(3);
    expect(w.log).toEqual(['persist 1,2,3', 'fork-choice 1', 'fork-choice 2', 'fork-choice 3']);
    // The same segment again: every block is known, nothing is written.
    const again = await processBlocks([b1, b2, b3], sourceOptions.sync, w.deps());
    expect(again.imported).toEqual([]);
    expect(w.log.length).toBe(4);
  });
});

describe('gossip and sync give the same verdict on the same block', () => {
  const spec = baseSpec(ks);
  const h1 = blockHash(b1.message);
  const pegIn = { txid: new Uint8Array(32).fill(5), vout: 0, evmAddress: new Uint8Array(20).fill(1), amountSats: 1_000 };
  const blocks: Array<[string, SignedConsensusBlock]> = [
    ['good', child(b1, 2)],
    ['wrong height', child(b1, 2, { edit: (b) => ({ ...b, height: 9 }) })],
    ['slot not increasing', child(b1, 1)],
    ['payload forks the execution chain', child(b1, 2, { edit: (b) => ({ ...b, executionPayload: { ...b.executionPayload, parentHash: root.message.executionPayload.blockHash, blockNumber: 1 } }) })],
    ['payload time', child(b1, 2, { edit: (b) => ({ ...b, executionPayload: { ...b.executionPayload, timestamp: 99 } }) })],
    ['wrong proposer', child(b1, 2, { proposer: 3 })],
    ['bad proof of work', child(b1, 2, { edit: (b) => ({ ...b, auxPowHeader: proof(spec, [h1], { chainId: 9 }) }) })],
    ['unplaceable proof of work', child(b1, 2, { edit: (b) => ({ ...b, auxPowHeader: { ...proof(spec, [h1]), rangeEnd: new Uint8Array(32).fill(3) } }) })],
    ['unmatched peg-in', child(b1, 2, { edit: (b) => ({ ...b, pegIns: [pegIn] }) })],
  ];
  it.each(blocks)('%s', async (_what, block) => {
    // Gossip meets the block with its parent already in the chain; sync meets both in one batch.
    const g = world();
    await processBlocks([b1], sourceOptions.sync, g.deps());
    const viaGossip = await processBlocks([block], sourceOptions.gossip, g.deps());
    const viaSync = await processBlocks([b1, block], sourceOptions.sync, world().deps());
    expect(refusedCode(viaSync)).toBe(refusedCode(viaGossip));
    expect(viaSync.imported.length).toBe(1 + viaGossip.imported.length);
    expect(viaSync.refused[0]?.error.data).toEqual(viaGossip.refused[0]?.error.data);
  });
});

describe('the error policy', () => {
  const err = (code: BlockErrorCode) => new BlockError(code, 'x');
  it('blames only a sender that answers for the block, asks for missing parents, retries what cannot be judged yet', () => {
    expect(blockErrorAction(err(BlockErrorCode.BAD_SIGNATURE), 'peer')).toEqual({ kind: 'penalize', penalty: -40 });
    expect(blockErrorAction(err(BlockErrorCode.BAD_SIGNATURE), 'gossip')).toEqual({ kind: 'drop' });
    expect(blockErrorAction(err(BlockErrorCode.EQUIVOCATION), 'peer')).toEqual({ kind: 'drop' });
    expect(blockErrorAction(err(BlockErrorCode.UNKNOWN_PARENT), 'gossip')).toEqual({ kind: 'wait-for-parent' });
    expect(blockErrorAction(err(BlockErrorCode.UNKNOWN_PARENT), 'sync')).toEqual({ kind: 'retry-later' });
    expect(blockErrorAction(err(BlockErrorCode.EXECUTION_UNAVAILABLE), 'peer')).toEqual({ kind: 'retry-later' });
    expect(blockErrorAction(err(BlockErrorCode.AUXPOW_RANGE_UNKNOWN), 'gossip')).toEqual({ kind: 'retry-later' });
  });
});
