// Namecoin-style merged mining, as Alys checks it. The miner's parent (Bitcoin) block commits to our
// chain in its coinbase: the merged-mining marker, then the root of a small "chain merkle tree" whose
// leaf at our chain's slot is the hash of the bundle of blocks being finalized, then the tree size
// and a nonce that fixes our slot. The coinbase is proven in the parent block by a merkle branch,
// and the parent header's own proof of work must meet our difficulty.
import { BitcoinReader, BitcoinWriter } from './wire.ts';
import { type BlockHeader, bitsToTarget, concat, decodeHeader, encodeHeader, hashToNumberLE, merkleRootFromBranch, sha256d } from './bitcoin.ts';

export const MERGED_MINING_HEADER = new Uint8Array([0xfa, 0xbe, 0x6d, 0x6d]);

export interface AuxPow {
  readonly coinbaseTx: Uint8Array;
  readonly parentHash: Uint8Array;
  readonly coinbaseBranch: readonly Uint8Array[];
  readonly coinbaseIndex: number;
  readonly chainBranch: readonly Uint8Array[];
  readonly chainIndex: number;
  readonly parentHeader: BlockHeader;
}

export type AuxPowErrorCode =
  | 'MALFORMED'
  | 'COINBASE_NOT_FIRST'
  | 'BAD_COINBASE_BRANCH'
  | 'MISSING_COMMITMENT'
  | 'MULTIPLE_COMMITMENTS'
  | 'WRONG_TREE_SIZE'
  | 'WRONG_CHAIN_INDEX'
  | 'CHAIN_BRANCH_TOO_LONG'
  | 'WRONG_CHAIN_ID'
  | 'INSUFFICIENT_WORK';

export class AuxPowError extends Error {
  constructor(
    readonly code: AuxPowErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'AuxPowError';
  }
}

export function encodeAuxPow(a: AuxPow): Uint8Array {
  const w = new BitcoinWriter();
  w.varBytes(a.coinbaseTx);
  w.bytes(a.parentHash);
  w.varInt(a.coinbaseBranch.length);
  for (const h of a.coinbaseBranch) w.bytes(h);
  w.u32(a.coinbaseIndex);
  w.varInt(a.chainBranch.length);
  for (const h of a.chainBranch) w.bytes(h);
  w.u32(a.chainIndex);
  w.bytes(encodeHeader(a.parentHeader));
  return w.done();
}

/** Parses untrusted bytes; any problem is an AuxPowError('MALFORMED'). */
export function decodeAuxPow(bytes: Uint8Array): AuxPow {
  try {
    const r = new BitcoinReader(bytes);
    const coinbaseTx = r.varBytes(100_000);
    const parentHash = r.bytes(32);
    const coinbaseBranch = r.list(32, () => r.bytes(32));
    const coinbaseIndex = r.u32();
    const chainBranch = r.list(32, () => r.bytes(32));
    const chainIndex = r.u32();
    const parentHeader = decodeHeader(r.bytes(80));
    r.end();
    return { coinbaseTx, parentHash, coinbaseBranch, coinbaseIndex, chainBranch, chainIndex, parentHeader };
  } catch (err) {
    throw new AuxPowError('MALFORMED', err instanceof Error ? err.message : String(err));
  }
}

/** Namecoin's rule fixing our chain's slot in the chain merkle tree from the nonce and chain id. */
export function expectedChainIndex(nonce: number, chainId: number, height: number): number {
  let rand = nonce >>> 0;
  rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
  rand = (rand + chainId) >>> 0;
  rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
  return rand % 2 ** height;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Checks that `auxpow` commits to `auxHash` for chain `chainId` and carries work meeting `bits`.
 * `parentChainId` is the parent block's own chain id (from its version), which must not be ours.
 */
export function checkAuxPow(a: AuxPow, auxHash: Uint8Array, chainId: number, bits: number): void {
  if (a.coinbaseIndex !== 0) throw new AuxPowError('COINBASE_NOT_FIRST', `coinbase index ${a.coinbaseIndex}`);
  const parentChainId = a.parentHeader.version >>> 16;
  if (parentChainId === chainId) throw new AuxPowError('WRONG_CHAIN_ID', `parent block claims our chain id ${chainId}`);
  if (a.chainBranch.length > 30) throw new AuxPowError('CHAIN_BRANCH_TOO_LONG', `${a.chainBranch.length} levels`);
  const coinbaseHash = sha256d(a.coinbaseTx);
  const root = merkleRootFromBranch(coinbaseHash, a.coinbaseBranch, a.coinbaseIndex);
  if (!equal(root, a.parentHeader.merkleRoot)) throw new AuxPowError('BAD_COINBASE_BRANCH', 'coinbase is not in the parent block');
  // The chain merkle root is committed in display (reversed) order, as Namecoin does.
  const chainRoot = merkleRootFromBranch(auxHash, a.chainBranch, a.chainIndex).slice().reverse();
  const header = indexOf(a.coinbaseTx, MERGED_MINING_HEADER);
  if (header < 0) throw new AuxPowError('MISSING_COMMITMENT', 'no merged-mining header in the coinbase');
  if (indexOf(a.coinbaseTx, MERGED_MINING_HEADER, header + 1) >= 0) throw new AuxPowError('MULTIPLE_COMMITMENTS', 'two merged-mining headers');
  const at = header + MERGED_MINING_HEADER.length;
  if (!equal(a.coinbaseTx.slice(at, at + 32), chainRoot)) throw new AuxPowError('MISSING_COMMITMENT', 'the coinbase commits to another chain root');
  const tail = a.coinbaseTx.slice(at + 32, at + 40);
  if (tail.length < 8) throw new AuxPowError('MALFORMED', 'no tree size and nonce after the commitment');
  const view = new DataView(tail.buffer, tail.byteOffset, 8);
  const size = view.getUint32(0, true);
  const nonce = view.getUint32(4, true);
  if (size !== 2 ** a.chainBranch.length) throw new AuxPowError('WRONG_TREE_SIZE', `size ${size} for a branch of ${a.chainBranch.length}`);
  const expected = expectedChainIndex(nonce, chainId, a.chainBranch.length);
  if (a.chainIndex !== expected) throw new AuxPowError('WRONG_CHAIN_INDEX', `index ${a.chainIndex}, expected ${expected}`);
  const work = hashToNumberLE(sha256d(encodeHeader(a.parentHeader)));
  if (work > bitsToTarget(bits)) throw new AuxPowError('INSUFFICIENT_WORK', `parent header does not meet bits ${bits.toString(16)}`);
}

/**
 * The part of checkAuxPow that needs no chain state: the coinbase is the parent block's first
 * transaction and the parent header's work meets `bits`. What the proof commits to (which of our
 * blocks) needs the chain; this is what a gossip validator can check on any node alike.
 */
export function checkAuxPowWork(a: AuxPow, bits: number): void {
  if (a.coinbaseIndex !== 0) throw new AuxPowError('COINBASE_NOT_FIRST', `coinbase index ${a.coinbaseIndex}`);
  const root = merkleRootFromBranch(sha256d(a.coinbaseTx), a.coinbaseBranch, a.coinbaseIndex);
  if (!equal(root, a.parentHeader.merkleRoot)) throw new AuxPowError('BAD_COINBASE_BRANCH', 'coinbase is not in the parent block');
  const work = hashToNumberLE(sha256d(encodeHeader(a.parentHeader)));
  if (work > bitsToTarget(bits)) throw new AuxPowError('INSUFFICIENT_WORK', `parent header does not meet bits ${bits.toString(16)}`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export { concat };
