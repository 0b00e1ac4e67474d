// The chain keeps committed blocks without their transactions, and only the newest whole: memory
// must not grow with every transaction the chain ever carried.
import { describe, expect, it } from 'vitest';
import { initialPowState } from '../../src/chain/blocks/pow-state.ts';
import { ChainState, RECENT_WHOLE_BLOCKS } from '../../src/chain/chain-state.ts';
import { genesisBlock } from '../../src/chain/genesis.ts';
import { blockHash } from '../../src/codec/block-codec.ts';
import { simScheme } from '../../src/crypto/sim-scheme.ts';
import type { SignedConsensusBlock } from '../../src/types/chain.ts';
import { toHex } from '../../src/types/hex.ts';
import { emptyBlock, keys, spec } from '../consensus/fixtures.ts';

describe('ChainState', () => {
  it('holds committed blocks without transactions, the newest whole, and ranges as refs', () => {
    const s = spec(keys(3, simScheme));
    const g = genesisBlock(3);
    const chain = new ChainState(s, g);
    let parent = g.hash;
    const hashes: string[] = [toHex(g.hash)];
    const total = RECENT_WHOLE_BLOCKS + 40;
    for (let h = 1; h <= total; h++) {
      const m = emptyBlock(parent, h, h);
      const message = { ...m, executionPayload: { ...m.executionPayload, transactions: [Uint8Array.of(h & 0xff, 1), Uint8Array.of(2)] } };
      const signed: SignedConsensusBlock = { ...g.signed, message };
      const hash = blockHash(message);
      expect(chain.add({ signed, hash, pow: initialPowState(s) }, true)).toBeDefined();
      hashes.push(toHex(hash));
      parent = hash;
    }
    const held = chain.blocks.get(hashes[1] as string);
    expect(held?.message.executionPayload.transactionCount).toBe(2);
    expect(held !== undefined && 'transactions' in held.message.executionPayload).toBe(false);
    // The newest RECENT_WHOLE_BLOCKS are whole; older ones (but genesis) are left to storage.
    expect(chain.whole(hashes[total] as string)?.message.executionPayload.transactions).toHaveLength(2);
    expect(chain.whole(hashes[total - RECENT_WHOLE_BLOCKS + 1] as string)).toBeDefined();
    expect(chain.whole(hashes[total - RECENT_WHOLE_BLOCKS] as string)).toBeUndefined();
    expect(chain.whole(hashes[1] as string)).toBeUndefined();
    expect(chain.whole(hashes[0] as string)).toBe(g.signed);
    expect(chain.canonicalRange(5, 3, 100)).toEqual([5, 6, 7].map((h) => ({ height: h, key: hashes[h] })));
    expect(chain.canonicalRange(total - 1, 10, 100).map((r) => r.height)).toEqual([total - 1, total]);
    expect(chain.read({ height: 7 })?.block.message.height).toBe(7);
  });
});
