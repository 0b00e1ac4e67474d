// Approvals as Alys does them: the other authorities check a block and sign its hash; a block is
// accepted once at least floor((2n + 2) / 3) distinct authorities approved it (the proposer's own
// signature counts as its approval). Any two such sets intersect in at least one honest authority
// while at most floor((n - 1) / 3) are Byzantine, so a minority partition cannot accept a block.
import { sha256 } from '../crypto/sha256.ts';

export function approvalThreshold(n: number): number {
  return Math.floor((2 * n + 2) / 3);
}

export function maxByzantine(n: number): number {
  return Math.floor((n - 1) / 3);
}

const approvalTag = new TextEncoder().encode('alys-approval');
const proposalTag = new TextEncoder().encode('alys-proposal');

function tagged(tag: Uint8Array, hash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(tag.length + hash.length);
  buf.set(tag, 0);
  buf.set(hash, tag.length);
  return sha256(buf);
}

/** What an authority signs to approve a block (domain-separated from the proposer's signature). */
export const approvalMessage = (blockHash: Uint8Array): Uint8Array => tagged(approvalTag, blockHash);
/** What the proposer signs. */
export const proposalMessage = (blockHash: Uint8Array): Uint8Array => tagged(proposalTag, blockHash);

export function signerIndices(bits: { get(i: number): boolean; bitLen: number }): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.bitLen; i++) if (bits.get(i)) out.push(i);
  return out;
}
