// When to ask peers again for blocks we miss. A block that cannot be judged yet (its peg-ins not
// confirmed by our Bitcoin node, our execution client syncing) is dropped for the moment and comes
// back by being asked for again. Meanwhile every later block arrives as an orphan, each asks for
// the missing heights, each answer brings more orphans that ask in turn. Without a limit, an
// authority whose own bitcoind was down for 40 s sent its peers about 100 requests a second, all
// for the same heights (`bitcoin-node-down`). The same request is sent again only after a wait
// that doubles each time, up to a cap, so a block that stays unjudgeable costs peers one request
// every few slots.

export interface MissingBlockRequestOptions {
  /** Least time before the same request is sent again. */
  readonly firstRetryMs: number;
  /** The wait doubles on each repeat up to this. */
  readonly maxRetryMs: number;
  /** Requests remembered; the oldest is forgotten past this. */
  readonly remember: number;
}

export function missingBlockRequestOptions(slotDurationMs: number): MissingBlockRequestOptions {
  return { firstRetryMs: slotDurationMs / 2, maxRetryMs: 4 * slotDurationMs, remember: 256 };
}

/** A request for the missing heights from `startHeight` up (a range request). */
export const rangeKey = (startHeight: number): string => `range:${startHeight}`;
/** A request for one block by its hash (a parent request). */
export const parentKey = (hashHex: string): string => `parent:${hashHex}`;

export class MissingBlockRequests {
  private readonly asked = new Map<string, { at: number; waitMs: number }>();

  constructor(private readonly o: MissingBlockRequestOptions) {}

  /** Whether to send the request named `key` now; if so, it is remembered as sent at `nowMs`. */
  shouldAsk(key: string, nowMs: number): boolean {
    const last = this.asked.get(key);
    if (last !== undefined && nowMs - last.at < last.waitMs) return false;
    // Re-inserted so that the map's order is the order of last asking: the oldest goes first.
    this.asked.delete(key);
    this.asked.set(key, { at: nowMs, waitMs: last === undefined ? this.o.firstRetryMs : Math.min(2 * last.waitMs, this.o.maxRetryMs) });
    if (this.asked.size > this.o.remember) this.asked.delete(this.asked.keys().next().value as string);
    return true;
  }
}
