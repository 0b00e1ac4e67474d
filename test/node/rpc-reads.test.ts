// Read-only JSON-RPC answers come from the published chain view: they must not need the chain
// actor at all (which may be held for seconds by an engine call).
import { describe, expect, it } from 'vitest';
import { genesisBlock } from '../../src/chain/genesis.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { actor } from '../../src/kernel/actor.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { callRpcMethod } from '../../src/node/rpc-methods.ts';
import { notRecovered } from '../../sim/chain/node.ts';
import { toHex } from '../../src/types/hex.ts';
import { hold } from '../../src/chain/held-block.ts';

describe('read-only RPC', () => {
  it('answers getblockbyheight, getblockbyhash and getheadblock from the view, with no chain actor running', async () => {
    const g = genesisBlock(4);
    // An actor system without a chain actor (only the AuxPow actor the RPC looks up): any ask to
    // the chain would fail.
    const system = new ActorSystem({ node: 'n0', scheduler: new Scheduler(), rng: new SeededRng(1) }, [actor({ name: 'auxpow', create: () => ({ handlers: {} }) })]);
    const asked: unknown[] = [];
    const view: ChainView = {
      ...notRecovered,
      recovered: true,
      headHash: toHex(g.hash),
      reads: {
        block: (q) => {
          asked.push(q);
          return q.height === 0 || (q.hash !== undefined && toHex(q.hash) === toHex(g.hash)) ? { block: hold(g.signed), hash: g.hash } : undefined;
        },
        queuedPow: () => undefined,
      },
    };
    const ctx = { system, chainView: () => view, bridgeView: () => undefined, depositAddress: undefined, status: () => ({}) };
    expect(await callRpcMethod(ctx, 'getblockbyheight', [0])).toMatchObject({ height: 0 });
    expect(await callRpcMethod(ctx, 'getblockbyheight', [5])).toBeNull();
    expect(await callRpcMethod(ctx, 'getblockbyhash', [`0x${toHex(g.hash)}`])).toMatchObject({ height: 0 });
    expect(await callRpcMethod(ctx, 'getheadblock', [])).toMatchObject({ height: 0 });
    expect(await callRpcMethod(ctx, 'getqueuedpow', [])).toBeNull();
    expect(asked).toHaveLength(4);
    await expect(callRpcMethod({ ...ctx, chainView: () => undefined }, 'getblockbyheight', [0])).rejects.toThrow(/still loading/);
  });
});
