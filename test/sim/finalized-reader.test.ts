// The finalized checkers read a node's list in spans (new heights, the tail, a sweep of the rest):
// an overwrite anywhere must still be found, without the list's length or tip changing.
import { describe, expect, it } from 'vitest';
import type { ChainView } from '../../src/chain/chain-view.ts';
import type { CheckContext, Invariant, NodeSnapshot } from '../../sim/chaos/invariant.ts';
import { finalizedAgreement, finalizedNeverReverted } from '../../sim/chain/invariants.ts';

const hash = (h: number, variant = 'a'): string => `${variant}${String(h).padStart(63, '0')}`;

function node(id: string, finalized: string[]): NodeSnapshot<ChainView> {
  return { id, up: true, byzantine: false, incarnation: 0, view: { recovered: true, finalized } as unknown as ChainView };
}

/** Checks with fresh node arrays (something happened) until it fails; the look at which it did, or undefined. */
function looksUntilFailure(inv: Invariant<ChainView>, nodes: () => NodeSnapshot<ChainView>[], maxLooks: number): number | undefined {
  for (let look = 1; look <= maxLooks; look++) {
    const ctx: CheckContext<ChainView> = { now: look * 20, nodes: nodes(), healedAt: undefined, final: false };
    if (inv.check(ctx) !== undefined) return look;
  }
  return undefined;
}

describe('finalized checkers read the whole list in turn', () => {
  const length = 2_000;

  it('finalized-never-reverted finds an overwrite deep in the list, length and tip unchanged, within length / 32 reads', () => {
    const list = Array.from({ length }, (_, h) => hash(h));
    const inv = finalizedNeverReverted();
    expect(inv.check({ now: 0, nodes: [node('n0', list)], healedAt: undefined, final: false })).toBeUndefined();
    list[7] = hash(7, 'b');
    // A read every 4th look, 32 heights swept per read: all 2,000 within 63 reads, 252 looks.
    const look = looksUntilFailure(inv, () => [node('n0', list)], 300);
    expect(look).toBeDefined();
    expect(look).toBeLessThanOrEqual(4 * Math.ceil(length / 32));
  });

  it('finalized-never-reverted finds an overwrite next to the tip at the next read', () => {
    const list = Array.from({ length }, (_, h) => hash(h));
    const inv = finalizedNeverReverted();
    inv.check({ now: 0, nodes: [node('n0', list)], healedAt: undefined, final: false });
    list[length - 2] = hash(length - 2, 'b');
    list.push(hash(length));
    expect(looksUntilFailure(inv, () => [node('n0', list)], 1)).toBe(1);
  });

  it('finalized-agreement finds two nodes apart at an old height, and the final check reads everything', () => {
    const a = Array.from({ length }, (_, h) => hash(h));
    const b = [...a];
    const inv = finalizedAgreement();
    inv.check({ now: 0, nodes: [node('n0', a), node('n1', b)], healedAt: undefined, final: false });
    b[3] = hash(3, 'b');
    expect(inv.check({ now: 20, nodes: [node('n0', a), node('n1', b)], healedAt: undefined, final: true })).toMatch(/^height 3 finalized as a0{11} and, on n1, as b0{11}$/);
    const again = finalizedAgreement();
    again.check({ now: 0, nodes: [node('n0', a), node('n1', [...a])], healedAt: undefined, final: false });
    const c = [...a];
    const look = looksUntilFailure(again, () => [node('n0', a), node('n1', c.map((x, h) => (h === 3 ? hash(3, 'b') : x)))], 200);
    expect(look).toBeDefined();
  });
});
