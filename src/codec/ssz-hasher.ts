// SSZ hash-tree roots (block hashes) through hashtree, the native SHA-256 Lodestar uses, instead of
// the pure-JavaScript default: a node syncing thousands of blocks hashes each one several times,
// and the default hasher was the largest item of the syncing node's own CPU profile. The roots are
// the same bytes either way; where the native module cannot load, the default stays.
import { setHasher } from '@chainsafe/persistent-merkle-tree';

try {
  const { hasher } = await import('@chainsafe/persistent-merkle-tree/hasher/hashtree');
  setHasher(hasher);
} catch {
  // No native build for this platform: the default JavaScript hasher, slower but identical.
}
