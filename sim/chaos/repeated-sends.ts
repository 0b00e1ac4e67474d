// The world's watch on what honest nodes send: the same bytes to the same peer many times over in a
// short while is a node stuck in a loop (re-asking for a block it keeps refusing, re-sending what
// nobody acknowledges), a load on its peers that no safety or liveness check sees, since the
// chain still moves on. Identical messages are told apart by the network model's digest and size.
//
// Sends are counted per interval of `windowMs` of simulated time (0 to 10 s, 10 to 20 s, …): a loop
// that lasts a whole interval shows in it. Every send goes through here, so a send costs two
// lookups and one update of a map keyed by a number, and allocates nothing.

export interface RepeatedSendsOptions {
  readonly windowMs: number;
  /** Sends of one message to one peer allowed within one interval. */
  readonly maxSends: number;
  /** The honest nodes, whose sends are judged. */
  readonly honest: readonly string[];
  readonly onViolation: (reason: string) => void;
}

export const repeatedSendsWindowMs = 10_000;

export class RepeatedSends {
  private readonly index = new Map<string, number>();
  /** (digest, sender, receiver, low bits of the size) → sends in the current interval. */
  private counts = new Map<number, number>();
  private interval = 0;
  private reported = false;
  /** The most sends of one message to one peer seen within an interval (for choosing the bound). */
  worst = 0;

  constructor(private readonly o: RepeatedSendsOptions) {
    // Past 127 nodes two share an index: their counts add up only for one message sent to both.
    o.honest.forEach((id, i) => this.index.set(id, i % 127));
  }

  observe(timeMs: number, from: string, to: string, bytes: number, digest: number): void {
    const f = this.index.get(from);
    if (f === undefined) return;
    const interval = Math.floor(timeMs / this.o.windowMs);
    if (interval !== this.interval) {
      this.interval = interval;
      this.counts = new Map();
    }
    // Every Byzantine receiver shares index 127, which no honest node has.
    const t = this.index.get(to) ?? 127;
    // 32 + 7 + 7 + 7 bits: below 2^53, so the key is exact.
    const key = ((digest * 128 + f) * 128 + t) * 128 + (bytes & 0x7f);
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n > this.worst) this.worst = n;
    if (n > this.o.maxSends && !this.reported) {
      this.reported = true;
      this.o.onViolation(`${from} sent the same ${bytes}-byte message to ${to} ${n} times within ${this.o.windowMs} ms (at most ${this.o.maxSends})`);
    }
  }
}
