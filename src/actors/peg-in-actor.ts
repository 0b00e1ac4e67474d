// PegInActor: follows Bitcoin from a start height and finds deposits (src/bridge/deposit.ts) to the
// federation's addresses, the current one and, until their grace height, the previous ones. It
// counts confirmations from the tip it last saw, walks back on a Bitcoin reorg (dropping what the
// losing branch held), and answers the chain: which deposits are confirmed (to mint), and whether a
// block's peg-ins are (to import). Malformed deposits are logged with their reason and counted.
//
// Which deposits count is a consensus rule, so it must not depend on when this node heard of a
// federation: a federation learned late (after a restart, or with governance down at the rotation)
// has the blocks already scanned scanned again for it, and deposits to an earlier federation found
// above its grace height are dropped. Every node then finds the same deposits, whenever it learned.
import { type Deposit, outpointKey, scanDeposit } from '../bridge/deposit.ts';
import type { Federation } from '../bridge/federation.ts';
import { REJECTED_PREFIX, type RejectedDeposit, decodeRejected, encodeRejected, rejectedKey } from '../bridge/rejected-deposit.ts';
import type { BitcoinClient } from '../io/bitcoin.ts';
import type { StorageIO } from '../io/storage.ts';
import { type ActorContext, type ActorSpec, actor } from '../kernel/actor.ts';
import { type BugSwitches, noBugs } from '../kernel/bugs.ts';
import type { Ask } from '../kernel/message.ts';
import { toHex } from '../types/hex.ts';

export const pegInActorName = 'peg-in';

export interface FoundDeposit {
  readonly deposit: Deposit;
  readonly height: number;
}

export type PegInMsg =
  | { readonly type: 'poll' }
  | { readonly type: 'federation'; readonly federation: Federation; readonly previousValidUntilHeight: number }
  | Ask<{ readonly type: 'confirmed' }, readonly Deposit[]>
  | Ask<{ readonly type: 'verify'; readonly deposits: readonly Deposit[] }, { readonly ok: true } | { readonly ok: false; readonly reason: string }>
  | Ask<{ readonly type: 'stats' }, PegInStats>
  | Ask<{ readonly type: 'deposit'; readonly txid: string }, DepositLookup>
  | Ask<{ readonly type: 'rejected-txids' }, readonly string[]>
  /** Reads Bitcoin up to date, then names the rejected deposits (what the bridge must not spend). */
  | Ask<{ readonly type: 'classified' }, { readonly rejected: readonly string[]; readonly upToDate: boolean }>
  /** A rejected deposit's record and every federation known (what a refund is checked against). */
  | Ask<{ readonly type: 'rejected-deposit'; readonly txid: string }, RejectedLookup>;

/** What a refund is checked against: the rejected deposit (or whether it is a valid one), and every federation known. */
export interface RejectedLookup {
  readonly record: RejectedDeposit | undefined;
  readonly valid: boolean;
  readonly federations: readonly Federation[];
}

/** What the scanner knows of one Bitcoin transaction (getdeposit). */
export type DepositLookup =
  | { readonly kind: 'found'; readonly deposits: readonly Deposit[]; readonly height: number; readonly confirmations: number }
  | {
      readonly kind: 'rejected';
      readonly reason: string;
      readonly detail: string;
      readonly height: number;
      readonly confirmations: number;
      readonly outputs?: RejectedDeposit['outputs'];
    }
  | { readonly kind: 'unknown'; readonly scannedHeight: number };

export interface PegInStats {
  readonly scannedHeight: number;
  readonly tip: number;
  readonly found: number;
  readonly rejected: Readonly<Record<string, number>>;
}

export interface PegInDeps {
  readonly bitcoin: BitcoinClient;
  /** Planted bugs (none in production). */
  readonly bugs?: BugSwitches;
  readonly federation: Federation;
  readonly startHeight: number;
  readonly confirmations: number;
  readonly pollEveryMs: number;
  readonly sometimes: (probe: string) => void;
  readonly log?: (line: string) => void;
  /** Where rejected deposits are kept (peg/rejected/…); memory only when absent (unit tests). */
  readonly storage?: StorageIO;
}

export function pegInActor(d: PegInDeps): ActorSpec<PegInMsg> {
  return actor<PegInMsg>({
    name: pegInActorName,
    mailbox: { capacity: 1_024, overflow: 'drop-oldest' },
    create: (ctx) => new PegInNode(ctx, d).behavior(),
  });
}

interface Known {
  readonly federation: Federation;
  /** Announced with this federation: earlier ones count up to this Bitcoin height. */
  readonly previousValidUntil: number;
}

class PegInNode {
  /** Newest first. */
  private known: Known[];
  /** Federations learned since the last scan: the blocks already scanned are scanned again for them. */
  private rescanFor: Federation[] = [];
  /** Hash of every scanned block by height (index = height - startHeight). */
  private readonly scanned: string[] = [];
  private readonly found = new Map<string, FoundDeposit>();
  private readonly rejected: Record<string, number> = {};
  /**
   * Rejected deposits by txid (what getdeposit answers, and whose outputs the bridge never spends),
   * as kept on disk. Not bounded: each one cost its sender a Bitcoin fee and an output above dust.
   */
  private readonly rejectedTx = new Map<string, RejectedDeposit>();
  private tip = 0;
  private lastScanOk = false;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly ctx: ActorContext<PegInMsg>,
    private readonly d: PegInDeps,
  ) {
    this.known = [{ federation: d.federation, previousValidUntil: Number.POSITIVE_INFINITY }];
  }

  /** The last Bitcoin height at which deposits to `f` count: the earliest grace any later federation gave it. */
  private validUntil(f: Federation): number {
    let until = Number.POSITIVE_INFINITY;
    for (const k of this.known) if (k.federation.version > f.version) until = Math.min(until, k.previousValidUntil);
    return until;
  }

  private federationsAt(height: number): Federation[] {
    // Planted bug: after a rotation, deposits to the previous address (still valid in its grace period) go unseen.
    const live = this.d.bugs?.has('peg-scan-current-federation-only') === true ? this.known.slice(0, 1) : this.known;
    return live.filter((k) => height <= this.validUntil(k.federation)).map((k) => k.federation);
  }

  private learn(f: Federation, previousValidUntil: number): void {
    if (this.known.some((k) => k.federation.version === f.version)) return;
    // In version order whatever order they arrive in (a stream replays the history on connect).
    this.known = [...this.known, { federation: f, previousValidUntil }].sort((a, b) => b.federation.version - a.federation.version);
    // Planted bug: a federation learned late is watched only in blocks still to come.
    if (!(this.d.bugs ?? noBugs).has('pegin-no-rescan-for-late-federation')) this.rescanFor.push(f);
    // What an earlier federation's address received after its grace height no longer counts.
    for (const [key, x] of this.found) {
      const fed = this.known.find((k) => k.federation.version === x.deposit.federationVersion)?.federation;
      if (fed !== undefined && x.height > this.validUntil(fed)) this.found.delete(key);
    }
    this.d.sometimes('pegin.federation-rotated');
  }

  behavior() {
    return {
      onStart: async () => {
        // Known again before the first scan: until Bitcoin is read anew their outputs stay apart.
        for (const [, v] of (await this.d.storage?.scan(REJECTED_PREFIX)) ?? []) {
          const r = decodeRejected(v);
          if (r !== undefined) this.rejectedTx.set(r.txid, r);
        }
        if (this.rejectedTx.size > 0) this.d.sometimes('pegin.rejected-recovered');
        this.ctx.self.tell({ type: 'poll' });
      },
      handlers: {
        poll: async () => {
          await this.scan();
          this.ctx.setTimer(this.d.pollEveryMs, { type: 'poll' });
        },
        federation: async (m: { federation: Federation; previousValidUntilHeight: number }) => {
          this.learn(m.federation, m.previousValidUntilHeight);
          await this.scanUpToDate();
        },
        confirmed: () => this.confirmed(),
        verify: async (m: { deposits: readonly Deposit[] }) => {
          if (m.deposits.some((x) => !this.isConfirmed(x))) await this.scanUpToDate();
          for (const x of m.deposits) {
            if (!this.isConfirmed(x)) return { ok: false as const, reason: `deposit ${outpointKey(x.txid, x.vout)} is not a confirmed deposit of ${x.amountSats} to ${x.evmAddress}` };
          }
          return { ok: true as const };
        },
        deposit: (m: { txid: string }): DepositLookup => {
          const deposits = [...this.found.values()].filter((f) => f.deposit.txid === m.txid);
          const first = deposits[0];
          if (first !== undefined) return { kind: 'found', deposits: deposits.map((f) => f.deposit), height: first.height, confirmations: this.tip - first.height + 1 };
          const r = this.rejectedTx.get(m.txid);
          if (r !== undefined) return { kind: 'rejected', reason: r.reason, detail: r.detail, height: r.height, outputs: r.outputs, confirmations: Math.max(0, this.tip - r.height + 1) };
          return { kind: 'unknown', scannedHeight: this.d.startHeight + this.scanned.length - 1 };
        },
        'rejected-txids': (): readonly string[] => this.rejectedTxids(),
        classified: async () => {
          await this.scanUpToDate();
          return { rejected: this.rejectedTxids(), upToDate: this.lastScanOk };
        },
        'rejected-deposit': (m: { txid: string }): RejectedLookup => ({
          record: this.rejectedTx.get(m.txid),
          valid: [...this.found.values()].some((f) => f.deposit.txid === m.txid),
          federations: this.known.map((k) => k.federation),
        }),
        stats: (): PegInStats => ({ scannedHeight: this.d.startHeight + this.scanned.length - 1, tip: this.tip, found: this.found.size, rejected: { ...this.rejected } }),
      },
    };
  }

  private rejectedTxids(): string[] {
    // Planted bug: the bridge is told of no rejected deposit, so payouts and consolidations spend them.
    return (this.d.bugs ?? noBugs).has('pegout-spend-rejected-deposits') ? [] : [...this.rejectedTx.keys()];
  }

  private isConfirmed(x: Deposit): boolean {
    const f = this.found.get(outpointKey(x.txid, x.vout));
    return f !== undefined && f.deposit.amountSats === x.amountSats && f.deposit.evmAddress === x.evmAddress && this.tip - f.height + 1 >= this.d.confirmations;
  }

  private confirmed(): Deposit[] {
    return [...this.found.values()]
      .filter((f) => this.tip - f.height + 1 >= this.d.confirmations)
      .sort((a, b) => a.height - b.height || (a.deposit.txid < b.deposit.txid ? -1 : a.deposit.txid > b.deposit.txid ? 1 : a.deposit.vout - b.deposit.vout))
      .map((f) => f.deposit);
  }

  /** One scan at a time; a caller arriving mid-scan waits for it. */
  private scan(): Promise<void> {
    this.scanning ??= this.scanOnce()
      .then(() => {
        this.lastScanOk = true;
      })
      .catch(() => {
        this.lastScanOk = false;
        this.d.sometimes('pegin.bitcoin-unavailable');
      })
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  /** A scan that started before a federation was learned does not cover it: then one more. */
  private async scanUpToDate(): Promise<void> {
    await this.scan();
    if (this.rescanFor.length > 0) await this.scan();
  }

  private async scanOnce(): Promise<void> {
    const tip = await this.d.bitcoin.getBlockCount();
    // Walk back while our last scanned block is no longer in the chain (a reorg).
    while (this.scanned.length > 0) {
      const h = this.d.startHeight + this.scanned.length - 1;
      if (h <= tip && (await this.d.bitcoin.getBlockHash(h)) === this.scanned[this.scanned.length - 1]) break;
      this.scanned.pop();
      for (const [k, f] of this.found) if (f.height === h) this.found.delete(k);
      const gone = [...this.rejectedTx.values()].filter((r) => r.height === h).map((r) => r.txid);
      await this.d.storage?.write(gone.map((txid) => ({ type: 'del' as const, key: rejectedKey(txid) })), { sync: true });
      for (const txid of gone) this.rejectedTx.delete(txid);
      this.d.sometimes('pegin.reorg-rewound');
    }
    const late = this.rescanFor.splice(0);
    if (late.length > 0 && this.scanned.length > 0) {
      this.d.sometimes('pegin.rescanned-for-federation');
      for (let i = 0; i < this.scanned.length; i++) {
        const h = this.d.startHeight + i;
        const feds = late.filter((f) => h <= this.validUntil(f));
        if (feds.length > 0) await this.keep(this.scanBlock(h, await this.d.bitcoin.getBlock(this.scanned[i] as string), feds, false));
      }
    }
    for (let h = this.d.startHeight + this.scanned.length; h <= tip; h++) {
      const block = await this.d.bitcoin.getBlock(await this.d.bitcoin.getBlockHash(h));
      // Kept before the block counts as scanned: a crash in between scans it again.
      await this.keep(this.scanBlock(h, block, this.federationsAt(h), true));
      this.scanned.push(block.hash);
    }
    this.tip = tip;
  }

  /** Writes rejected deposits not yet on disk (synced), then knows them. */
  private async keep(found: readonly RejectedDeposit[]): Promise<void> {
    const fresh = found.filter((r) => {
      const had = this.rejectedTx.get(r.txid);
      return had === undefined || had.height !== r.height || had.outputs.length !== r.outputs.length;
    });
    if (fresh.length === 0) return;
    await this.d.storage?.write(fresh.map((r) => ({ type: 'put' as const, key: rejectedKey(r.txid), value: encodeRejected(r) })), { sync: true });
    for (const r of fresh) {
      const had = this.rejectedTx.has(r.txid);
      this.rejectedTx.set(r.txid, r);
      if (!had) this.d.log?.(`peg-in ${r.txid} rejected: ${r.reason}: ${r.detail}`);
    }
  }

  /**
   * The deposits to `feds` in one block are recorded; the rejected ones are returned for keep().
   * Rejections are counted on the first scan only.
   */
  private scanBlock(h: number, block: { readonly txs: readonly Uint8Array[] }, feds: readonly Federation[], first: boolean): RejectedDeposit[] {
    const all = this.known.map((k) => k.federation);
    const rejected: RejectedDeposit[] = [];
    for (const raw of block.txs) {
      const r = scanDeposit(raw, feds, all);
      if (r.kind === 'deposits') {
        for (const dep of r.deposits) {
          const key = outpointKey(dep.txid, dep.vout);
          if (!this.found.has(key)) this.found.set(key, { deposit: dep, height: h });
        }
        this.d.sometimes('pegin.deposit-found');
      } else if (r.kind === 'rejected' && first) {
        this.rejected[r.reason] = (this.rejected[r.reason] ?? 0) + 1;
        this.d.sometimes(`pegin.rejected.${r.reason}`);
        if (r.outputs.length > 0) rejected.push({ txid: r.txid, reason: r.reason, detail: r.detail, height: h, outputs: r.outputs, txHex: toHex(raw) });
      } else if (r.kind === 'rejected' && r.outputs.length > 0) {
        // Rescanned for a federation learned late: its outputs to that federation are kept apart too.
        const had = this.rejectedTx.get(r.txid);
        const outputs = [...(had?.outputs ?? []), ...r.outputs.filter((o) => had?.outputs.some((x) => x.vout === o.vout) !== true)];
        rejected.push({ txid: r.txid, reason: r.reason, detail: r.detail, height: h, outputs, txHex: toHex(raw) });
      }
    }
    return rejected;
  }
}
