// The node's JSON-RPC methods for miners and operators, as Alys serves them: createauxblock and
// submitauxblock (merged mining), getdepositaddress, getheadblock, getblockbyheight, getblockbyhash,
// getqueuedpow, and status. Bad parameters get an RpcMethodError naming the parameter.
import { type AuxPowMsg, auxPowActorName } from '../actors/auxpow-actor.ts';
import type { BridgeView } from '../actors/bridge-actor.ts';
import type { ChainReads, ChainView } from '../chain/chain-view.ts';
import { type PegInMsg, pegInActorName } from '../actors/peg-in-actor.ts';
import { depositReport, pegCounters, pegOutReport, pegsStatus, refundJson } from './peg-report.ts';
import { type RefundMsg, refundActorName } from '../actors/refund-actor.ts';
import { decodeAuxPow } from '../auxpow/auxpow.ts';
import type { ActorSystem } from '../kernel/actor-system.ts';
import type { HeldBlock } from '../chain/held-block.ts';
import type { AuxPowHeader } from '../types/chain.ts';
import { fromHex, toHex } from '../types/hex.ts';

export class RpcMethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcMethodError';
  }
}

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;

export interface RpcContext {
  readonly system: ActorSystem;
  chainView(): ChainView | undefined;
  bridgeView(): BridgeView | undefined;
  readonly depositAddress: string | undefined;
  /** Extra status (execution client health, peers, probes) from the runtime. */
  status(): Record<string, unknown>;
  /** Confirmations before a deposit is minted (getdeposit says how many are still needed). */
  readonly depositConfirmations?: number;
}

function blockJson(b: { block: HeldBlock; hash: Uint8Array }): Record<string, unknown> {
  const m = b.block.message;
  return {
    hash: toHex(b.hash),
    height: m.height,
    slot: m.slot,
    parentHash: toHex(m.parentHash),
    proposerIndex: b.block.proposerIndex,
    executionBlockHash: `0x${toHex(m.executionPayload.blockHash)}`,
    executionBlockNumber: m.executionPayload.blockNumber,
    transactions: m.executionPayload.transactionCount,
    auxPow: m.auxPowHeader !== null,
    pegIns: m.pegIns.map((p) => ({ txid: toHex(p.txid), vout: p.vout, evmAddress: `0x${toHex(p.evmAddress)}`, amountSats: p.amountSats })),
  };
}

function powJson(h: AuxPowHeader | undefined): Record<string, unknown> | null {
  return h === undefined ? null : { rangeStart: toHex(h.rangeStart), rangeEnd: toHex(h.rangeEnd), bits: h.bits, chainId: h.chainId, height: h.height };
}

const param = <T>(params: readonly unknown[], i: number, name: string, check: (v: unknown) => v is T): T => {
  const v = params[i];
  if (!check(v)) throw new RpcMethodError(RPC_INVALID_PARAMS, `parameter ${i} (${name}) is missing or of the wrong type`);
  return v;
};
const isString = (v: unknown): v is string => typeof v === 'string';
// Past 2^53 a JSON number no longer names one height (1e20 once read as some block's height).
const isHeight = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const hexParam = (params: readonly unknown[], i: number, name: string, bytes?: number): Uint8Array => {
  const s = param(params, i, name, isString);
  try {
    const b = fromHex(s);
    if (bytes !== undefined && b.length !== bytes) throw new Error('length');
    return b;
  } catch {
    throw new RpcMethodError(RPC_INVALID_PARAMS, `parameter ${i} (${name}) must be ${bytes === undefined ? '' : `${bytes} bytes of `}hex`);
  }
};

/** The published chain's reads; before the chain actor first publishes there is nothing to read. */
function readsOf(v: ChainView | undefined): ChainReads {
  if (v?.reads === undefined) throw new RpcMethodError(-1, 'the node is still loading its chain');
  return v.reads;
}

export async function callRpcMethod(ctx: RpcContext, method: string, params: readonly unknown[]): Promise<unknown> {
  const auxpow = ctx.system.ref<AuxPowMsg>(auxPowActorName);
  switch (method) {
    case 'createauxblock': {
      const address = params[0] === undefined ? new Uint8Array(20) : hexParam(params, 0, 'address', 20);
      return (await auxpow.ask({ type: 'createauxblock', feeRecipient: address }, 10_000)) ?? null;
    }
    case 'submitauxblock': {
      // Malformed parameters are the caller's mistake (-32602), as for createauxblock; only a
      // well-formed proof goes on to be checked against the work it claims.
      const hash = toHex(hexParam(params, 0, 'hash', 32));
      const auxPowBytes = hexParam(params, 1, 'auxpow');
      try {
        decodeAuxPow(auxPowBytes);
      } catch (err) {
        throw new RpcMethodError(RPC_INVALID_PARAMS, `parameter 1 (auxpow) is not an AuxPow: ${(err as Error).message}`);
      }
      const r = await auxpow.ask({ type: 'submitauxblock', hash, auxPowHex: toHex(auxPowBytes) }, 10_000);
      if (!r.accepted && r.error !== undefined) throw new RpcMethodError(-1, r.error);
      return r.accepted;
    }
    case 'getdepositaddress':
      if (ctx.depositAddress === undefined) throw new RpcMethodError(-1, 'this node runs no bridge (no bitcoin/governance in its config)');
      return ctx.depositAddress;
    case 'getheadblock': {
      const v = ctx.chainView();
      if (v === undefined || !v.recovered) throw new RpcMethodError(-1, 'the node is still loading its chain');
      const b = readsOf(v).block({ hash: fromHex(v.headHash) });
      return b === undefined ? null : blockJson(b);
    }
    case 'getblockbyheight': {
      const height = param(params, 0, 'height', isHeight);
      const b = readsOf(ctx.chainView()).block({ height });
      return b === undefined ? null : blockJson(b);
    }
    case 'getblockbyhash': {
      const hash = hexParam(params, 0, 'hash', 32);
      const b = readsOf(ctx.chainView()).block({ hash });
      return b === undefined ? null : blockJson(b);
    }
    case 'getqueuedpow':
      return powJson(readsOf(ctx.chainView()).queuedPow());
    // ---- the peg (src/node/peg-report.ts) ----
    case 'getdeposit': {
      const txid = toHex(hexParam(params, 0, 'txid', 32));
      if (ctx.depositAddress === undefined) throw new RpcMethodError(-1, 'this node runs no bridge (no bitcoin/governance in its config)');
      const found = await ctx.system.ref<PegInMsg>(pegInActorName).ask({ type: 'deposit', txid }, 10_000);
      const refunds = found.kind === 'rejected' ? await ctx.system.ref<RefundMsg>(refundActorName).ask({ type: 'refunds', txid }, 10_000) : [];
      return { txid, ...depositReport(found, ctx.chainView(), ctx.depositConfirmations ?? 0, refunds) };
    }
    case 'requestrefund': {
      // [txid, vout, refund address, BIP-137 signature of "Alys refund <txid>:<vout> to <address>"]
      const txid = toHex(hexParam(params, 0, 'txid', 32));
      const vout = param(params, 1, 'vout', isHeight);
      const address = param(params, 2, 'refund address', isString);
      const signature = param(params, 3, 'signature', isString);
      if (ctx.depositAddress === undefined) throw new RpcMethodError(-1, 'this node runs no bridge (no bitcoin/governance in its config)');
      const r = await ctx.system.ref<RefundMsg>(refundActorName).ask({ type: 'request', txid, vout, address, signature }, 20_000);
      if (!r.ok) throw new RpcMethodError(-1, r.error);
      return refundJson(r.refund);
    }
    case 'getpegout': {
      const hash = `0x${toHex(hexParam(params, 0, 'burn tx hash', 32))}`;
      if (ctx.depositAddress === undefined) throw new RpcMethodError(-1, 'this node runs no bridge (no bitcoin/governance in its config)');
      return pegOutReport(ctx.bridgeView(), hash);
    }
    case 'status': {
      const v = ctx.chainView();
      const br = ctx.bridgeView();
      const pegIn = br === undefined ? undefined : await ctx.system.ref<PegInMsg>(pegInActorName).ask({ type: 'stats' }, 10_000).catch(() => undefined);
      return {
        head: v === undefined ? null : { height: v.headHeight, hash: v.headHash },
        finalized: v === undefined ? null : v.finalized.length - 1,
        sync: v?.sync ?? null,
        producedBlocks: v?.producedBlocks ?? 0,
        pegs: pegsStatus(br, pegCounters(br, pegIn, v)),
        ...ctx.status(),
      };
    }
    default:
      throw new RpcMethodError(RPC_METHOD_NOT_FOUND, `method '${method}' not found`);
  }
}
