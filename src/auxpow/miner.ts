// A CPU miner for the simulation and the devnet: it builds a real parent block (a coinbase carrying
// the merged-mining commitment, proven by a one-leaf merkle tree) and grinds the header nonce with
// real double SHA-256 until the header meets the target. At regtest difficulty that takes a few
// hashes; the chain's checker cannot tell it from a real miner's work.
import { type AuxPow, MERGED_MINING_HEADER, expectedChainIndex } from './auxpow.ts';
import { bitsToTarget, concat, encodeHeader, hashToNumberLE, sha256d } from './bitcoin.ts';

const u32le = (n: number): Uint8Array => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);

export interface MineResult {
  readonly auxPow: AuxPow;
  readonly hashes: number;
}

/** Returns undefined if maxHashes ran out first. */
export function mineAuxPow(auxHash: Uint8Array, chainId: number, bits: number, startNonce: number, maxHashes: number): MineResult | undefined {
  // A one-leaf chain tree: our hash is the root, the tree size is 1 and any nonce gives index 0.
  const mmNonce = 0;
  const chainIndex = expectedChainIndex(mmNonce, chainId, 0);
  const commitment = concat(MERGED_MINING_HEADER, auxHash.slice().reverse(), u32le(1), u32le(mmNonce));
  const coinbaseTx = concat(new Uint8Array([1, 0, 0, 0, 1]), new Uint8Array(32), u32le(0xffffffff), new Uint8Array([commitment.length]), commitment, u32le(0xffffffff), new Uint8Array([0, 0, 0, 0, 0]));
  const merkleRoot = sha256d(coinbaseTx);
  const target = bitsToTarget(bits);
  // Version carries the parent chain's id in its top bits: Bitcoin's is 0, never ours.
  const base = { version: 0x20000000 & 0x0000ffff, prevBlock: new Uint8Array(32), merkleRoot, time: 1_700_000_000, bits };
  for (let i = 0; i < maxHashes; i++) {
    const header = { ...base, nonce: (startNonce + i) >>> 0 };
    const hash = sha256d(encodeHeader(header));
    if (hashToNumberLE(hash) <= target) {
      return {
        auxPow: { coinbaseTx, parentHash: hash, coinbaseBranch: [], coinbaseIndex: 0, chainBranch: [], chainIndex, parentHeader: header },
        hashes: i + 1,
      };
    }
  }
  return undefined;
}
