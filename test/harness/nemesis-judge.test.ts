// The nemesis's judge is the simulation's checkers fed observation records: shown here to fail on
// bad histories (a finalized block replaced, two blocks accepted in one slot, a committed block gone
// after a restart, a deposit minted twice, a peg-out forgotten) and to pass the same history
// without the fault, so a passing nemesis run means something.
import { describe, expect, it } from 'vitest';
import type { BridgeView } from '../../src/actors/bridge-actor.ts';
import type { PegOutOperation } from '../../src/bridge/peg-operation.ts';
import type { AcceptedRecord } from '../../src/chain/chain-view.ts';
import { fromHex } from '../../src/types/hex.ts';
import type { BridgeNodeView } from '../../sim/bridge/invariants.ts';
import type { PegObservation } from '../../sim/bridge/observation.ts';
import { SHARED_KEY } from '../../sim/bridge/shared.ts';
import type { CheckContext, NodeSnapshot } from '../../sim/chaos/invariant.ts';
import { parseScenario } from '../../sim/scenario.ts';
import { NEMESIS_INVARIANTS, NemesisJudge } from '../../harness/nemesis/judge.ts';

const h = (c: string): string => c.repeat(64);
const scenario = parseScenario({ name: 't', app: 'bridge', nodes: 2, durationMs: 60_000 });

interface Obs {
  finalized: string[];
  branch: Array<{ hash: string; slot: number; minted?: string[] }>;
  ops?: string[];
  incarnation?: number;
}

function record(b: { hash: string; slot: number }, height: number): AcceptedRecord {
  const e = new Uint8Array(0);
  return { hash: fromHex(b.hash), slot: b.slot, height, proposerIndex: 0, signature: e, approvalSigners: [], approvalSignature: e, parentHash: e, payload: { blockHash: e, parentHash: e, blockNumber: height } };
}

function snapshot(id: string, o: Obs): NodeSnapshot<BridgeNodeView> {
  const ops = (o.ops ?? []).map((x) => ({ id: x, status: 'completed', destination: 'd', burnTxHash: x, blockHeight: 1, amountSats: 1n, attempts: 0 }) as PegOutOperation);
  const bridge: BridgeView = { recovered: true, operations: ops, paused: false, federationVersion: 1, federationAddress: '' };
  const head = o.branch[o.branch.length - 1] as { hash: string };
  return {
    id,
    up: true,
    byzantine: false,
    incarnation: o.incarnation ?? 0,
    view: {
      recovered: true,
      authorityIndex: undefined,
      headHeight: o.branch.length - 1,
      headHash: head.hash,
      finalized: o.finalized,
      committed: new Set(o.branch.map((b) => b.hash)),
      accepted: o.branch.map(record),
      producedBlocks: 0,
      productions: [],
      penalties: 0,
      sync: { state: 'synced', currentHeight: o.branch.length - 1, targetHeight: o.branch.length - 1, canProduce: true, peerCount: 1 },
      mintedIn: new Map(o.branch.map((b) => [b.hash, b.minted ?? []])),
      finalizedPayloadHash: '',
      bridge,
    },
  };
}

const emptyPeg: PegObservation = {
  bitcoin: { height: 0, blocks: [{ hash: '00' }], feeRateSatPerVb: 2n, idOf: () => '', confirmedTxs: () => [], confirmations: () => undefined, listUnspent: () => [], canNeverConfirm: () => false },
  governance: { signer: { federations: [], signedState: () => ({ spentBy: {}, paidBy: {}, signedTx: {}, pegOuts: {} }) } },
  ledger: { deposits: [], burns: [] },
  graceUntil: new Map(),
};

function judge(history: Array<Record<string, Obs>>): Record<string, string> {
  const j = new NemesisJudge({ livenessWindowMs: 10_000, scenario });
  history.forEach((round, i) => {
    const ctx: CheckContext<BridgeNodeView> = { now: i * 1_000, nodes: Object.entries(round).map(([id, o]) => snapshot(id, o)), healedAt: undefined, final: false, shared: new Map([[SHARED_KEY, emptyPeg]]) };
    j.check(ctx);
  });
  return j.results();
}

const g = { hash: h('0'), slot: 0 };
const a = { hash: h('a'), slot: 1 };
const b = { hash: h('b'), slot: 2 };
const b2 = { hash: h('c'), slot: 2 };

describe('the nemesis judge (the simulation checkers over observation records)', () => {
  it('runs the simulation registry under the same names', () => {
    expect(Object.keys(judge([{ n0: { finalized: [g.hash], branch: [g] } }]))).toEqual([...NEMESIS_INVARIANTS]);
  });

  it('passes a good history', () => {
    const r = judge([
      { n0: { finalized: [g.hash], branch: [g, a] }, n1: { finalized: [g.hash], branch: [g, a] } },
      { n0: { finalized: [g.hash, a.hash], branch: [g, a, b], ops: ['p1'] }, n1: { finalized: [g.hash, a.hash], branch: [g, a, b] } },
      { n0: { finalized: [g.hash, a.hash], branch: [g, a, b], ops: ['p1'], incarnation: 1 }, n1: { finalized: [g.hash, a.hash, b.hash], branch: [g, a, b] } },
    ]);
    expect(Object.values(r).every((v) => v === 'pass')).toBe(true);
  });

  it('fails a node whose finalized block at a height was replaced', () => {
    const r = judge([{ n0: { finalized: [g.hash, a.hash], branch: [g, a] } }, { n0: { finalized: [g.hash, b.hash], branch: [g, b] } }]);
    expect(r['finalized-never-reverted']).toMatch(/^fail: .*n0 replaced its finalized block at height 1/);
  });

  it('fails two nodes finalizing different blocks at one height', () => {
    const r = judge([{ n0: { finalized: [g.hash, a.hash], branch: [g, a] }, n1: { finalized: [g.hash, b.hash], branch: [g, b] } }]);
    expect(r['finalized-agreement']).toMatch(/^fail: .*height 1 finalized as/);
  });

  it('fails two blocks accepted for one slot', () => {
    const r = judge([{ n0: { finalized: [g.hash], branch: [g, a, b] }, n1: { finalized: [g.hash], branch: [g, a, b2] } }]);
    expect(r['unique-accepted-per-slot']).toMatch(/^fail: .*slot 2/);
  });

  it('fails a committed block missing after a restart', () => {
    const r = judge([{ n0: { finalized: [g.hash], branch: [g, a, b] } }, { n0: { finalized: [g.hash], branch: [g, a], incarnation: 1 } }]);
    expect(r['committed-survives-restart']).toMatch(/^fail: .*n0 lost committed block/);
  });

  it('fails a deposit minted twice along the finalized chain', () => {
    const m = ['t:0'];
    const r = judge([{ n0: { finalized: [g.hash, a.hash, b.hash], branch: [g, { ...a, minted: m }, { ...b, minted: m }] } }]);
    expect(r['minted-once']).toMatch(/^fail: .*n0 minted t:0 twice/);
  });

  it('fails a peg-out a node forgot', () => {
    const r = judge([{ n0: { finalized: [g.hash], branch: [g], ops: ['p1'] } }, { n0: { finalized: [g.hash], branch: [g], ops: [], incarnation: 1 } }]);
    expect(r['no-peg-operation-lost']).toMatch(/^fail: .*n0 lost peg-out p1/);
  });
});
