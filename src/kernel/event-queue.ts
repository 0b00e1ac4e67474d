// Events ordered by (time, sequence number) and by nothing else: that order is what makes a seed a
// reproduction. Most events are scheduled for "now" (mailbox deliveries), so they go to a FIFO lane
// instead of the heap; the lane's sequence numbers only grow, so merging it with the heap by
// (time, seq) keeps the total order exact while saving the heap's log n on the hot path.

export interface Owner {
  /** False once the owner (a node, an actor incarnation) is gone: its pending events are skipped. */
  readonly alive: boolean;
}

export interface ScheduledEvent {
  time: number;
  seq: number;
  fn: (arg: unknown) => unknown;
  arg: unknown;
  owner: Owner | undefined;
  cancelled: boolean;
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private lane: ScheduledEvent[] = [];
  private laneHead = 0;

  get size(): number {
    return this.heap.length + this.lane.length - this.laneHead;
  }

  /** Events due exactly at the current time, appended in sequence order. */
  pushNow(ev: ScheduledEvent): void {
    this.lane.push(ev);
  }

  push(ev: ScheduledEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as ScheduledEvent;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  peek(): ScheduledEvent | undefined {
    const top = this.heap[0];
    const laneTop = this.laneHead < this.lane.length ? this.lane[this.laneHead] : undefined;
    if (top === undefined) return laneTop;
    if (laneTop === undefined) return top;
    return before(top, laneTop) ? top : laneTop;
  }

  pop(): ScheduledEvent | undefined {
    const top = this.heap[0];
    const laneTop = this.laneHead < this.lane.length ? this.lane[this.laneHead] : undefined;
    if (laneTop !== undefined && (top === undefined || before(laneTop, top))) {
      this.laneHead++;
      if (this.laneHead > 1024 && this.laneHead * 2 > this.lane.length) {
        this.lane = this.lane.slice(this.laneHead);
        this.laneHead = 0;
      }
      return laneTop;
    }
    if (top === undefined) return undefined;
    const h = this.heap;
    const last = h.pop() as ScheduledEvent;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r] as ScheduledEvent, h[l] as ScheduledEvent) ? r : l;
        if (!before(h[c] as ScheduledEvent, last)) break;
        h[i] = h[c] as ScheduledEvent;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
