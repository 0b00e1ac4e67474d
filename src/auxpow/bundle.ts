// What a miner's proof of work commits to: the bundle of consensus blocks since the last finalized
// one, as one aggregate hash (double SHA-256 over the block hashes in height order).
import { concat, sha256d } from './bitcoin.ts';

export function bundleHash(blockHashes: readonly Uint8Array[]): Uint8Array {
  return sha256d(concat(...blockHashes));
}
