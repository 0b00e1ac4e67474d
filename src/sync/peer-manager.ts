// Which peer gets the next batch: ranked by measured latency, throughput and failures, never more
// requests in flight per peer than the limit, penalised on timeouts and invalid data, banned when a
// peer serves forged blocks. Pure: the SyncActor feeds it observations and asks it for a peer.
export interface PeerStats {
  readonly id: string;
  latencyMs: number;
  blocksPerSec: number;
  failures: number;
  inFlight: number;
  banned: boolean;
  /** Best height the peer announced. */
  height: number;
}

export class PeerManager {
  private readonly peers = new Map<string, PeerStats>();

  constructor(readonly maxInFlightPerPeer: number) {}

  upsert(id: string, height: number): void {
    const p = this.peers.get(id);
    if (p === undefined) this.peers.set(id, { id, latencyMs: 100, blocksPerSec: 0, failures: 0, inFlight: 0, banned: false, height });
    else p.height = Math.max(p.height, height);
  }

  get(id: string): PeerStats | undefined {
    return this.peers.get(id);
  }

  usable(): PeerStats[] {
    return [...this.peers.values()].filter((p) => !p.banned);
  }

  bestHeight(): number {
    return Math.max(0, ...this.usable().map((p) => p.height));
  }

  /** The best-ranked peer with a free slot that has the blocks up to `needHeight`; undefined if none. */
  pick(needHeight: number, exclude?: string): PeerStats | undefined {
    let best: PeerStats | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const p of this.peers.values()) {
      if (p.banned || p.inFlight >= this.maxInFlightPerPeer || p.height < needHeight || p.id === exclude) continue;
      // Fast, proven and reliable first; ties by id so that the choice is deterministic.
      const score = p.blocksPerSec / 100 - p.latencyMs / 100 - 2 * p.failures - p.inFlight * 0.5;
      if (score > bestScore || (score === bestScore && best !== undefined && p.id < best.id)) {
        best = p;
        bestScore = score;
      }
    }
    return best;
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
  }

  timedOut(id: string): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.inFlight = Math.max(0, p.inFlight - 1);
    p.failures += 1;
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
