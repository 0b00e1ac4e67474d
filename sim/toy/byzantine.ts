// A Byzantine peer of the toy cluster: not a member, so it cannot vote, but it can send anything:
// garbage, truncated and bit-flipped copies of what it heard, stale replays, and well-formed
// forgeries with absurd fields. Honest replicas must shrug all of it off.
import type { ByzantineNode, SimNodeContext } from '../app.ts';
import { encode } from './codec.ts';

export function toyByzantine(ctx: SimNodeContext): ByzantineNode {
  const heard: Uint8Array[] = [];
  const rng = ctx.rng;
  const targets = ctx.allNodes.filter((n) => n !== ctx.id);
  const send = (bytes: Uint8Array): void => ctx.io.network.send(rng.pick(targets), bytes);
  return {
    onReceive(_from, payload) {
      if (heard.length < 64) heard.push(payload);
      else heard[rng.int(heard.length)] = payload;
    },
    tick() {
      if (targets.length === 0) return;
      switch (rng.int(5)) {
        case 0: {
          const junk = new Uint8Array(rng.int(200));
          for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
          send(junk);
          break;
        }
        case 1: {
          if (heard.length === 0) break;
          const copy = rng.pick(heard).slice();
          if (copy.length > 0) {
            const j = rng.int(copy.length);
            copy[j] = (copy[j] ?? 0) ^ (1 << rng.int(8));
          }
          send(rng.chance(0.5) ? copy : copy.subarray(0, rng.int(copy.length + 1)));
          break;
        }
        case 2:
          if (heard.length > 0) send(rng.pick(heard));
          break;
        case 3:
          send(encode({ t: 'vote-req', term: 1e12 + rng.int(1000), lastIndex: 1e9, lastTerm: 1e12 }));
          break;
        default: {
          // A well-framed append whose fields lie: a negative term and an entry count it does not carry.
          const forged = encode({ t: 'append', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [] });
          new DataView(forged.buffer).setFloat64(1, -1);
          new DataView(forged.buffer).setUint16(33, 200);
          send(forged);
        }
      }
    },
  };
}
