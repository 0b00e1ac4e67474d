// Which peer gets the next batch: ranked by measured latency, throughput and failures, never more
// requests in flight per peer than the limit. A peer that times out or has nothing to give is
// penalised and backs off for a while (a lost message is no proof of malice); only forged or
// unlinkable data bans it. A peer that fails several requests in a row stops counting for the
// heights it failed to give (its claim is believed again once it serves, or when a new run starts):
// a peer that announces blocks it never serves must not hold the target up for ever. Pure: the
// SyncActor feeds it observations and asks it for a peer.
export interface PeerStats {
  readonly id: string;
  latencyMs: number;
  blocksPerSec: number;
  failures: number;
  inFlight: number;
  banned: boolean;
  /** Best height the peer announced. */
  height: number;
  /** Timeouts since its last good answer: how long it backs off grows with them. */
  strikes: number;
  /** No new request to this peer before this time (ms). */
  retryAt: number;
  /** The lowest height it failed to give since its last good answer. */
  failedFrom: number | undefined;
}

/** Failed requests in a row after which a peer's claim above the height it failed to give is set aside. */
export const UNSERVED_AFTER_STRIKES = 3;

export interface PeerManagerOptions {
  readonly maxInFlightPerPeer: number;
  /** Back-off after a peer's first timeout; doubles with each one after, up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export const peerDefaults: Omit<PeerManagerOptions, 'maxInFlightPerPeer'> = { backoffMs: 500, maxBackoffMs: 8_000 };

export class PeerManager {
  private readonly peers = new Map<string, PeerStats>();
  readonly o: PeerManagerOptions;

  constructor(
    o: number | PeerManagerOptions,
    /** Planted bug: a peer's announced head is believed whatever it failed to serve. */
    private readonly trustUnserved = false,
  ) {
    this.o = typeof o === 'number' ? { maxInFlightPerPeer: o, ...peerDefaults } : o;
  }

  upsert(id: string, height: number): void {
    const p = this.peers.get(id);
    if (p === undefined) this.peers.set(id, { id, latencyMs: 100, blocksPerSec: 0, failures: 0, inFlight: 0, banned: false, height, strikes: 0, retryAt: 0, failedFrom: undefined });
    else p.height = Math.max(p.height, height);
  }

  get(id: string): PeerStats | undefined {
    return this.peers.get(id);
  }

  usable(): PeerStats[] {
    return [...this.peers.values()].filter((p) => !p.banned);
  }

  /** The height a peer is believed to serve up to: its announced head, less what it failed to give. */
  private claimed(p: PeerStats): number {
    const unserved = p.strikes >= UNSERVED_AFTER_STRIKES && !this.trustUnserved ? p.failedFrom : undefined;
    return unserved === undefined ? p.height : Math.min(p.height, unserved - 1);
  }

  /** The best height a usable peer is believed to serve up to. */
  bestHeight(): number {
    return Math.max(0, ...this.usable().map((p) => this.claimed(p)));
  }

  /** A new run: every peer's claim counts again. */
  forgetUnserved(): void {
    for (const p of this.peers.values()) {
      p.failedFrom = undefined;
      p.strikes = 0;
    }
  }

  /**
   * The best-ranked peer that can take a request for blocks up to `needHeight` now (not banned, not
   * backing off, a free slot, the height). Peers in `avoid` (those that already failed this batch)
   * are a last resort, not excluded: with a single peer, that peer is retried once its back-off is
   * over. `strict` (a planted bug: the old rule) excludes them outright.
   */
  pick(needHeight: number, now = 0, avoid: ReadonlySet<string> = new Set(), strict = false): PeerStats | undefined {
    let best: PeerStats | undefined;
    let bestKey: [number, number] = [1, Number.NEGATIVE_INFINITY];
    for (const p of this.peers.values()) {
      if (p.banned || p.inFlight >= this.o.maxInFlightPerPeer || this.claimed(p) < needHeight || p.retryAt > now) continue;
      const avoided = avoid.has(p.id) ? 1 : 0;
      if (avoided === 1 && strict) continue;
      // Peers that have not failed this batch first; then fast, proven and reliable; ties by id so
      // that the choice is deterministic.
      const score = p.blocksPerSec / 100 - p.latencyMs / 100 - 2 * p.failures - p.inFlight * 0.5;
      const better = avoided < bestKey[0] || (avoided === bestKey[0] && (score > bestKey[1] || (score === bestKey[1] && best !== undefined && p.id < best.id)));
      if (best === undefined || better) {
        best = p;
        bestKey = [avoided, score];
      }
    }
    return best;
  }

  /**
   * When a peer that has the blocks up to `needHeight` ends its back-off, if one is backing off
   * after `now`: the time to try again.
   */
  nextRetryAt(needHeight: number, now: number): number | undefined {
    let at: number | undefined;
    for (const p of this.peers.values()) {
      if (p.banned || this.claimed(p) < needHeight || p.retryAt <= now) continue;
      if (at === undefined || p.retryAt < at) at = p.retryAt;
    }
    return at;
  }

  started(id: string): void {
    const p = this.peers.get(id);
    if (p !== undefined) p.inFlight++;
  }

  succeeded(id: string, blocks: number, elapsedMs: number): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.inFlight = Math.max(0, p.inFlight - 1);
    p.latencyMs = 0.7 * p.latencyMs + 0.3 * elapsedMs;
    const rate = elapsedMs > 0 ? (blocks * 1000) / elapsedMs : blocks;
    p.blocksPerSec = 0.7 * p.blocksPerSec + 0.3 * rate;
    p.failures = Math.max(0, p.failures - 0.25);
    p.strikes = 0;
    p.failedFrom = undefined;
  }

  /**
   * No answer in time, or nothing to give, for a request from height `from`: penalised and backs
   * off; never banned for it.
   */
  timedOut(id: string, now = 0, from?: number): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.inFlight = Math.max(0, p.inFlight - 1);
    p.failures += 1;
    p.strikes++;
    p.retryAt = now + Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (p.strikes - 1));
    if (from !== undefined) p.failedFrom = Math.min(p.failedFrom ?? from, from);
  }

  /** Forged or unlinkable data: a Byzantine peer, banned from sync. */
  invalid(id: string): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.inFlight = Math.max(0, p.inFlight - 1);
    p.failures += 5;
    p.banned = true;
  }
}
