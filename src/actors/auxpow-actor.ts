// AuxPowActor: the miners' side of merged mining. `createauxblock` asks the chain for the bundle
// since the last finalized block and hands out work; `submitauxblock` checks the proof against the
// work it issued and, if good, gossips it so the next proposer embeds it, finalizing the bundle.
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import { type AuxBlock, AuxWork } from '../auxpow/work.ts';
import type { ChainSpec } from '../consensus/chain-spec.ts';
import type { AuxPowHeader } from '../types/chain.ts';
import { type ChainMsg, chainActorName } from './chain-actor.ts';
import { type NetworkMsg, networkActorName } from './network-actor.ts';

export type AuxPowMsg =
  | Ask<{ readonly type: 'createauxblock'; readonly feeRecipient: Uint8Array }, AuxBlock | undefined>
  | Ask<{ readonly type: 'submitauxblock'; readonly hash: string; readonly auxPowHex: string }, { readonly accepted: boolean; readonly error?: string }>;

export const auxPowActorName = 'auxpow';

export function auxPowActor(spec: ChainSpec, sometimes: (probe: string) => void): ActorSpec<AuxPowMsg> {
  return actor<AuxPowMsg>({
    name: auxPowActorName,
    dependsOn: [chainActorName, networkActorName],
    create: (ctx) => {
      const work = new AuxWork(spec.auxPowChainId);
      const fees = new Map<string, Uint8Array>();
      return {
        handlers: {
          createauxblock: async (m) => {
            const bundle = await ctx.ask(ctx.lookup<ChainMsg>(chainActorName), { type: 'bundle' }, 10_000);
            if (bundle === undefined) return undefined;
            const block = work.create(bundle);
            fees.set(block.hash, m.feeRecipient);
            return block;
          },
          submitauxblock: (m) => {
            const r = work.submit(m.hash, m.auxPowHex);
            if (!r.ok) {
              sometimes('auxpow.submission-rejected');
              return { accepted: false, error: r.error };
            }
            const header: AuxPowHeader = {
              rangeStart: r.work.rangeStart,
              rangeEnd: r.work.rangeEnd,
              bits: r.work.bits,
              chainId: spec.auxPowChainId,
              height: r.work.height,
              auxPow: r.auxPow,
              feeRecipient: fees.get(m.hash.toLowerCase()) ?? new Uint8Array(20),
            };
            sometimes('auxpow.submission-accepted');
            ctx.tell(ctx.lookup<ChainMsg>(chainActorName), { type: 'pow', header });
            ctx.tell(ctx.lookup<NetworkMsg>(networkActorName), { type: 'publish', message: { topic: 'auxpow', header } });
            return { accepted: true };
          },
        },
      };
    },
  });
}
