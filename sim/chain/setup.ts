// The chain of one simulated world: every node (honest or Byzantine) is an authority with a key
// derived from its id, so keys survive restarts and do not depend on the order of anything.
import { sha256 } from '../../src/crypto/sha256.ts';
import type { ChainSpec } from '../../src/consensus/chain-spec.ts';
import { schemeByName } from '../../src/crypto/index.ts';
import type { KeyPair, SignatureScheme } from '../../src/crypto/signature-scheme.ts';
import { defaultEpochMs } from '../../src/io/sim/clock.ts';
import type { Scenario } from '../scenario.ts';

export interface ChainSetup {
  readonly spec: ChainSpec;
  readonly scheme: SignatureScheme;
  readonly keys: ReadonlyMap<string, KeyPair>;
}

const cache = new Map<string, ChainSetup>();

export function chainSetup(scenario: Scenario, allNodes: readonly string[]): ChainSetup {
  const c = scenario.chain;
  const cacheKey = `${c.crypto}|${c.slotDurationMs}|${c.maxBlocksWithoutPow}|${c.byzantine}|${c.minerEveryMs}|${allNodes.join(',')}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;
  const scheme = schemeByName(c.crypto);
  const keys = new Map<string, KeyPair>();
  // Twins are not authorities of their own: each holds a copy of an honest authority's key.
  const twins = c.byzantine === 'twins';
  // Gossip-garbage peers are no authorities at all.
  const authorities = twins || c.byzantine === 'gossip-garbage' ? allNodes.filter((id) => !id.startsWith('byz')) : [...allNodes];
  for (const id of authorities) keys.set(id, scheme.keyFromSeed(sha256(new TextEncoder().encode(`alys-sim-authority:${id}`))));
  if (twins) allNodes.filter((id) => id.startsWith('byz')).forEach((id, i) => keys.set(id, keys.get(authorities[i % authorities.length] as string) as KeyPair));
  const spec: ChainSpec = {
    chainId: 121212,
    slotDurationMs: c.slotDurationMs,
    genesisTimeMs: defaultEpochMs,
    authorities: authorities.map((id) => (keys.get(id) as KeyPair).publicKey),
    futureToleranceMs: 500,
    maxBlocksWithoutPow: c.maxBlocksWithoutPow,
    auxPowChainId: 1337,
    initialBits: 0x207fffff,
    // The simulated miner submits every minerEveryMs; aim the retarget at that cadence.
    auxPowTargetSpacingSlots: Math.max(1, Math.round((c.minerEveryMs || 8_000) / c.slotDurationMs)),
  };
  const setup = { spec, scheme, keys };
  cache.set(cacheKey, setup);
  return setup;
}
