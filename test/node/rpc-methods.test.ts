// The JSON-RPC methods' parameter checks: malformed parameters are the caller's mistake (-32602) and
// never reach the node's actors or the published chain's reads; well-formed ones do. The actors and
// reads here only record what reaches them.
import { describe, expect, it } from 'vitest';
import { type AuxPow, encodeAuxPow } from '../../src/auxpow/auxpow.ts';
import { mineAuxPow } from '../../src/auxpow/miner.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import type { ActorSystem } from '../../src/kernel/actor-system.ts';
import { RPC_INVALID_PARAMS, type RpcContext, RpcMethodError, callRpcMethod } from '../../src/node/rpc-methods.ts';
import { toHex } from '../../src/types/hex.ts';

function context(): { ctx: RpcContext; asked: Array<{ actor: string; message: Record<string, unknown> }> } {
  const asked: Array<{ actor: string; message: Record<string, unknown> }> = [];
  const system = {
    ref: (actor: string) => ({
      ask: async (message: Record<string, unknown>) => {
        asked.push({ actor, message });
        if (message.type === 'submitauxblock') return { accepted: false, error: `unknown or stale work ${String(message.hash).slice(0, 16)}` };
        return undefined;
      },
    }),
  } as unknown as ActorSystem;
  // getblockbyheight reads the published chain view, not an actor: its queries are recorded alongside.
  const view = {
    recovered: true,
    reads: {
      block: (q: { hash?: Uint8Array; height?: number }) => {
        asked.push({ actor: 'chain-view', message: { type: 'block', ...q } });
        return undefined;
      },
      queuedPow: () => undefined,
    },
  } as unknown as ChainView;
  return { ctx: { system, chainView: () => view, bridgeView: () => undefined, depositAddress: undefined, status: () => ({}) }, asked };
}

async function codeOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof RpcMethodError) return err.code;
    throw err;
  }
}

const auxHash = new Uint8Array(32).fill(3);
const validAuxPow = toHex(encodeAuxPow(mineAuxPow(auxHash, 1337, 0x207fffff, 0, 1_000)?.auxPow as AuxPow));

describe('rpc methods: parameters', () => {
  it('refuses heights that are not safe integers with -32602', async () => {
    const { ctx, asked } = context();
    for (const h of [1e20, 2 ** 53, -1, 1.5, '5', null]) expect(await codeOf(callRpcMethod(ctx, 'getblockbyheight', [h])), String(h)).toBe(RPC_INVALID_PARAMS);
    expect(asked).toEqual([]);
    expect(await codeOf(callRpcMethod(ctx, 'getblockbyheight', [2 ** 53 - 1]))).toBe('ok');
    expect(asked).toEqual([{ actor: 'chain-view', message: { type: 'block', height: 2 ** 53 - 1 } }]);
  });

  it('refuses malformed submitauxblock parameters with -32602, as createauxblock does', async () => {
    const { ctx, asked } = context();
    const hash = toHex(auxHash);
    const malformed: unknown[][] = [[], [hash], [hash, 5], [42, validAuxPow], ['zz', validAuxPow], [hash.slice(2), validAuxPow], [hash, 'not hex'], [hash, 'abc'], [hash, ''], [hash, validAuxPow.slice(0, 100)], [hash, `${validAuxPow}00`]];
    for (const params of malformed) expect(await codeOf(callRpcMethod(ctx, 'submitauxblock', params)), JSON.stringify(params).slice(0, 80)).toBe(RPC_INVALID_PARAMS);
    expect(await codeOf(callRpcMethod(ctx, 'createauxblock', ['nothex']))).toBe(RPC_INVALID_PARAMS);
    expect(asked).toEqual([]);
  });

  it('passes a well-formed proof on to be checked against the work it names', async () => {
    const { ctx, asked } = context();
    const err = await callRpcMethod(ctx, 'submitauxblock', [`0x${toHex(auxHash).toUpperCase()}`, validAuxPow]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcMethodError);
    expect((err as RpcMethodError).code).toBe(-1);
    expect((err as Error).message).toMatch(/unknown or stale work/);
    expect(asked).toEqual([{ actor: 'auxpow', message: { type: 'submitauxblock', hash: toHex(auxHash), auxPowHex: validAuxPow } }]);
  });
});
