// PegOutActor: reads RequestPegOut events of the bridge contract from finalized blocks, in order,
// checks each (destination, minimum amount; src/bridge/pegout-request.ts) and hands valid ones to the
// BridgeActor. Its cursor (the last finalized height read) is persisted only after the bridge has
// persisted the operations of that block, so a crash between the two re-reads the block and the
// bridge, keyed by burn id, does not create an operation twice.
import type { BitcoinNetworkName } from '../bridge/federation.ts';
import { BRIDGE_ADDRESS, decodePegOutLog, type PegOutRequest, type RefusedPegOut } from '../bridge/pegout-request.ts';
import type { ExecutionClient } from '../io/execution.ts';
import type { StorageIO } from '../io/storage.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import { errorLine } from '../kernel/errors.ts';
import type { Ask } from '../kernel/message.ts';
import { type BridgeMsg, bridgeActorName } from './bridge-actor.ts';

export const pegOutActorName = 'peg-out';

export interface FinalizedPayload {
  readonly height: number;
  readonly payloadHash: Uint8Array;
}

export type PegOutMsg =
  | { readonly type: 'poll' }
  | Ask<{ readonly type: 'cursor' }, number>;

export interface PegOutDeps {
  readonly execution: ExecutionClient;
  /** Planted bugs (none in production). */
  readonly bugs?: BugSwitches;
  readonly storage: StorageIO;
  readonly network: BitcoinNetworkName;
  readonly minSats: bigint;
  readonly pollEveryMs: number;
  /** Finalized blocks above `height`, in order (from the ChainActor). */
  readonly finalizedAfter: (height: number) => Promise<readonly FinalizedPayload[]>;
  readonly sometimes: (probe: string) => void;
  readonly log?: (line: string) => void;
}

const CURSOR_KEY = 'pegout/cursor';

export function pegOutActor(d: PegOutDeps): ActorSpec<PegOutMsg> {
  return actor<PegOutMsg>({
    name: pegOutActorName,
    dependsOn: [bridgeActorName],
    create: (ctx) => new PegOutNode(ctx, d).behavior(),
  });
}

class PegOutNode {
  private cursor = -1;
  /** Why the last read failed, while it keeps failing. */
  private failing: string | undefined;

  constructor(
    private readonly ctx: ActorContext<PegOutMsg>,
    private readonly d: PegOutDeps,
  ) {}

  behavior() {
    return {
      onStart: async () => {
        const raw = await this.d.storage.get(CURSOR_KEY);
        this.cursor = raw === undefined ? 0 : Number(new TextDecoder().decode(raw));
        this.ctx.self.tell({ type: 'poll' });
      },
      handlers: {
        poll: async () => {
          try {
            await this.readFinalized();
            if (this.failing !== undefined) this.d.log?.(`peg-out reader: reading finalized burns again, from height ${this.cursor + 1}`);
            this.failing = undefined;
          } catch (err) {
            this.d.sometimes('pegout.read-retry');
            // Once per kind of failure, not every poll: burns wait while it lasts, and the operator should know.
            const reason = errorLine(err);
            if (reason !== this.failing) this.d.log?.(`peg-out reader: cannot read finalized burns after height ${this.cursor}: ${reason} (retrying)`);
            this.failing = reason;
          }
          this.ctx.setTimer(this.d.pollEveryMs, { type: 'poll' });
        },
        cursor: () => this.cursor,
      },
    };
  }

  private async readFinalized(): Promise<void> {
    const all = await this.d.finalizedAfter(this.cursor);
    // Planted bug: jumps to the newest finalized block, skipping the burns of the ones in between.
    const blocks = this.d.bugs?.has('peg-read-newest-finalized-only') === true ? all.slice(-1) : all;
    const bridge = this.ctx.lookup<BridgeMsg>(bridgeActorName);
    for (const b of blocks) {
      const logs = await this.d.execution.getLogs(b.payloadHash, BRIDGE_ADDRESS);
      const requests: PegOutRequest[] = [];
      const refused: RefusedPegOut[] = [];
      for (const log of logs) {
        const r = decodePegOutLog(log, this.d.network, this.d.minSats);
        // Planted bug: the burn's wei converted at 1 satoshi = 1 gwei, a payout ten times too large.
        if (r.ok) requests.push(this.d.bugs?.has('peg-payout-gwei-as-sats') === true ? { ...r.request, amountSats: r.request.amountSats * 10n } : r.request);
        else {
          const { ok: _ok, ...refusal } = r;
          refused.push(refusal);
          this.d.sometimes(`pegout.rejected.${r.reason}`);
          this.d.log?.(`burn ${log.transactionHash} refused: ${r.reason}: ${r.detail}`);
        }
      }
      // Refused burns are recorded too (with their reason), so that they can be looked up.
      if (requests.length > 0 || refused.length > 0) await this.ctx.ask(bridge, { type: 'peg-outs', requests, refused, blockHeight: b.height }, 60_000);
      await this.d.storage.write([{ type: 'put', key: CURSOR_KEY, value: new TextEncoder().encode(String(b.height)) }], { sync: true });
      this.cursor = b.height;
    }
  }
}
