// The consensus rules of minting: a block's peg-ins become its withdrawals one for one (1 satoshi =
// 10 gwei), nothing else is withdrawn, and no deposit is minted twice on a branch. Whether each
// deposit is really confirmed on Bitcoin is asked of the PegInActor; these checks need no IO.
import { GWEI_PER_SAT } from './amounts.ts';
import type { Deposit } from './deposit.ts';
import { outpointKey } from './deposit.ts';
import type { PegIn, Withdrawal } from '../types/chain.ts';
import { fromHex, toHex } from '../types/hex.ts';

/** Peg-ins per block: bounded so that one block's withdrawals stay small. */
export const MAX_PEG_INS_PER_BLOCK = 16;

export function depositToPegIn(d: Deposit): PegIn {
  return { txid: fromHex(d.txid), vout: d.vout, evmAddress: fromHex(d.evmAddress), amountSats: Number(d.amountSats) };
}

export function pegInToDeposit(p: PegIn): Deposit {
  return { txid: toHex(p.txid), vout: p.vout, evmAddress: `0x${toHex(p.evmAddress)}`, amountSats: BigInt(p.amountSats), federationVersion: 0 };
}

export const pegInKey = (p: PegIn): string => outpointKey(toHex(p.txid), p.vout);

/** Engine API withdrawals for a block's peg-ins: indices are unique along the chain (height-based). */
export function withdrawalsFor(pegIns: readonly PegIn[], height: number): Withdrawal[] {
  return pegIns.map((p, i) => ({ index: height * MAX_PEG_INS_PER_BLOCK + i, validatorIndex: 0, address: p.evmAddress, amount: p.amountSats * Number(GWEI_PER_SAT) }));
}

/** Undefined when the block's peg-ins and withdrawals agree and mint nothing already minted. */
export function checkBlockPegIns(block: { readonly height: number; readonly pegIns: readonly PegIn[]; readonly executionPayload: { readonly withdrawals: readonly Withdrawal[] } }, mintedBefore: ReadonlySet<string>): string | undefined {
  if (block.pegIns.length > MAX_PEG_INS_PER_BLOCK) return `${block.pegIns.length} peg-ins, at most ${MAX_PEG_INS_PER_BLOCK}`;
  const expected = withdrawalsFor(block.pegIns, block.height);
  const got = block.executionPayload.withdrawals;
  if (got.length !== expected.length) return `${got.length} withdrawals for ${expected.length} peg-ins: only peg-ins may mint`;
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as Withdrawal;
    const e = expected[i] as Withdrawal;
    if (g.index !== e.index || g.validatorIndex !== e.validatorIndex || g.amount !== e.amount || toHex(g.address) !== toHex(e.address)) {
      return `withdrawal ${i} does not match peg-in ${pegInKey(block.pegIns[i] as PegIn)}`;
    }
  }
  const seen = new Set<string>();
  for (const p of block.pegIns) {
    const k = pegInKey(p);
    if (seen.has(k) || mintedBefore.has(k)) return `deposit ${k} is minted twice`;
    seen.add(k);
  }
  return undefined;
}
