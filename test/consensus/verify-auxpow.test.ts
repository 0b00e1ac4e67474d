// The AuxPow step of the block pipeline (range, difficulty, blocks without proof of work), as pure
// functions over a chain store.
import { describe, expect, it } from 'vitest';
import { encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { bundleHash } from '../../src/auxpow/bundle.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import type { ChainStore } from '../../src/chain/blocks/chain-store.ts';
import { powRange, verifyAuxPow, verifyPowRules } from '../../src/chain/blocks/verify-auxpow.ts';
import type { BlockView } from '../../src/chain/held-block.ts';
import { BlockError, BlockErrorCode } from '../../src/consensus/block-error.ts';
import { BlockTree } from '../../src/consensus/fork-choice.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import { toHex } from '../../src/types/hex.ts';
import { emptyBlock, keys, spec } from './fixtures.ts';

const s = spec(keys(4, simScheme));
const h = (n: number): Uint8Array => new Uint8Array(32).fill(n);

function store(): ChainStore {
  const tree = new BlockTree({ hash: h(0), height: 0, slot: 0 });
  for (let i = 1; i <= 3; i++) tree.add(h(i), h(i - 1), i, i);
  return { spec: s, tree, finalized: [toHex(h(0))], block: () => undefined, powState: () => undefined };
}

function proof(rangeStart: Uint8Array, rangeEnd: Uint8Array, range: Uint8Array[], o: { chainId?: number; bits?: number } = {}) {
  const mined = mineAuxPow(bundleHash(range), s.auxPowChainId, s.initialBits, 0, 100_000);
  if (mined === undefined) throw new Error('not mined');
  return { rangeStart, rangeEnd, bits: o.bits ?? s.initialBits, chainId: o.chainId ?? s.auxPowChainId, height: 3, auxPow: encodeAuxPow(mined.auxPow), feeRecipient: new Uint8Array(20) };
}

const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof BlockError ? `${err.code}: ${err.detail}` : String(err);
  }
};

describe('verifyAuxPow', () => {
  it('accepts a proof of a range ending at an ancestor, and defers one it cannot place', () => {
    expect(verifyAuxPow(store(), proof(h(1), h(3), [h(1), h(2), h(3)]), h(3))).toBeUndefined();
    expect(verifyAuxPow(store(), proof(h(1), h(9), [h(1), h(9)]), h(3))).toBe('unknown');
  });

  it('refuses, with BAD_AUXPOW and the reason, a wrong chain id, difficulty, range or proof', () => {
    const st = store();
    expect(code(() => verifyAuxPow(st, proof(h(1), h(3), [h(1), h(2), h(3)], { chainId: 7 }), h(3)))).toMatch(new RegExp(`^${BlockErrorCode.BAD_AUXPOW}: wrong chain id`));
    expect(code(() => verifyAuxPow(st, proof(h(1), h(3), [h(1), h(2), h(3)], { bits: 0x1d00ffff }), h(3)))).toMatch(/the chain requires/);
    expect(code(() => verifyAuxPow(st, proof(h(1), h(3), [h(1), h(2), h(3)]), h(2)))).toMatch(/not an ancestor/);
    // The proof commits to another bundle than the range's.
    expect(code(() => verifyAuxPow(st, { ...proof(h(1), h(3), [h(1), h(2), h(3)]), rangeStart: h(2) }, h(3)))).toMatch(new RegExp(`^${BlockErrorCode.BAD_AUXPOW}`));
  });
});

describe('powRange', () => {
  // Finalized up to height 2; the blocks held are found by height in the finalized record, and
  // h(7) is a side-branch block held at height 1 that was never finalized.
  const heights = new Map([[toHex(h(1)), 1], [toHex(h(2)), 2], [toHex(h(3)), 3], [toHex(h(7)), 1]]);
  const st: ChainStore = {
    ...store(),
    finalized: [toHex(h(0)), toHex(h(1)), toHex(h(2))],
    block: (hash) => {
      const height = heights.get(toHex(hash));
      return height === undefined ? undefined : ({ message: { height } } as unknown as BlockView);
    },
  };
  const range = (start: Uint8Array, end: Uint8Array) => powRange(st, proof(start, end, [start, end]))?.map(toHex);

  it('takes a range that is already final from the finalized record', () => {
    expect(range(h(1), h(2))).toEqual([toHex(h(1)), toHex(h(2))]);
  });

  it('does not take a held block for the finalized one at its height', () => {
    expect(range(h(7), h(2))).toBeUndefined();
  });
});

describe('verifyPowRules', () => {
  const block = (height: number, pow?: ReturnType<typeof proof>) => ({ ...emptyBlock(h(3), height, height), auxPowHeader: pow ?? null });
  const thrown = (f: () => void): unknown => {
    try {
      f();
      return undefined;
    } catch (err) {
      return err;
    }
  };

  it('refuses too many blocks without proof of work, with the heights that failed', () => {
    expect(thrown(() => verifyPowRules(store(), block(4), 0))).toBeUndefined();
    expect(thrown(() => verifyPowRules(store(), block(s.maxBlocksWithoutPow + 1), 0))).toMatchObject({
      code: BlockErrorCode.TOO_MANY_WITHOUT_POW,
      data: { height: s.maxBlocksWithoutPow + 1, finalizedHeight: 0, max: s.maxBlocksWithoutPow },
    });
  });

  it('cannot judge a proof off our chain yet (AUXPOW_RANGE_UNKNOWN); refuses a wrong one (BAD_AUXPOW)', () => {
    expect(thrown(() => verifyPowRules(store(), block(4, proof(h(1), h(9), [h(1), h(9)])), 0))).toMatchObject({ code: BlockErrorCode.AUXPOW_RANGE_UNKNOWN, data: { rangeEnd: toHex(h(9)) } });
    expect(thrown(() => verifyPowRules(store(), block(4, proof(h(1), h(3), [h(1), h(2), h(3)], { chainId: 9 })), 0))).toMatchObject({ code: BlockErrorCode.BAD_AUXPOW });
    expect(thrown(() => verifyPowRules(store(), block(4, proof(h(1), h(3), [h(1), h(2), h(3)])), 0))).toBeUndefined();
  });
});
