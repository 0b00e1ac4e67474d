// The IO a node is built with. Later issues add the execution client, the bitcoin client and the
// governance link here.
import type { Clock } from './clock.ts';
import type { NetworkIO } from './network.ts';
import type { RandomIO } from './random.ts';
import type { StorageIO } from './storage.ts';

export interface NodeIO {
  readonly clock: Clock;
  readonly rng: RandomIO;
  readonly network: NetworkIO;
  readonly storage: StorageIO;
}

export type { Clock, NetworkIO, RandomIO, StorageIO };
