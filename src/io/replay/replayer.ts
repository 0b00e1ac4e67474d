// Runs a node again from a recording of its IO boundary. The node is the same actor tree, assembled
// the same way, on a deterministic scheduler. Each recorded input is delivered when the node has run
// exactly as many events as it had when the input arrived, at the virtual time it arrived; each
// output the node makes is checked against the next recorded one. The first difference stops the
// replay and is reported with both versions.
import type { Clock } from '../clock.ts';
import { type Boundary, runHandler } from '../boundary.ts';
import type { Scheduler, Timer } from '../../kernel/scheduler.ts';
import { type JournalEntry, outputForm } from '../record/journal.ts';
import { type Encoded, decodeValue } from '../record/value-codec.ts';

export interface Divergence {
  /** Index of the recorded entry where the replay differs (0 is the header). */
  readonly entry: number;
  /** Events the replay had executed. */
  readonly n: number;
  readonly recorded: JournalEntry | null;
  readonly replayed: Record<string, unknown>;
}

export interface ReplayOutcome {
  readonly matches: boolean;
  /** Entries replayed (delivered or matched). */
  readonly entries: number;
  readonly events: number;
  /** The recording ended with the node's clean stop (false: it was killed, or is still running). */
  readonly complete: boolean;
  readonly divergence?: Divergence;
}

class Diverged extends Error {
  constructor(readonly divergence: Divergence) {
    super('replay diverged');
  }
}

const same = (a: Encoded, b: Encoded): boolean => JSON.stringify(a) === JSON.stringify(b);

export class Replayer {
  private cursor = 1;
  private diverged: Divergence | undefined;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly handlers = new Map<string, (...args: unknown[]) => unknown>();
  private calls = 0;

  constructor(
    private readonly entries: readonly JournalEntry[],
    readonly scheduler: Scheduler,
    /** Unix ms at the recording's virtual time 0. */
    private readonly epochMs: number,
  ) {}

  private get n(): number {
    return this.scheduler.executed;
  }

  /**
   * Notes the first divergence and halts the scheduler at its next event. It does not throw into the
   * node's code (an actor would take it for its own failure); the node just stops being run.
   */
  private diverge(replayed: Record<string, unknown>, at = this.cursor): void {
    if (this.diverged !== undefined) return;
    const d: Divergence = { entry: at, n: this.n, recorded: this.entries[at] ?? null, replayed };
    this.diverged = d;
    this.scheduler.halt(new Diverged(d));
  }

  /** The next entry if it is of kind `k` and `matches` it (an output or a read the node makes now). */
  private take<K extends JournalEntry['k']>(k: K, replayed: Record<string, unknown>, matches: (e: Extract<JournalEntry, { k: K }>) => boolean = () => true): Extract<JournalEntry, { k: K }> | undefined {
    if (this.diverged !== undefined) return undefined;
    // Recordings made before the driver journaled its moves of time where they happen (it did so
    // after runUntil returned, racing the last event's continuation for microtask turns) may show
    // an output of event n just after a move at n: the clock moves first, as it did there.
    let at = this.cursor;
    for (let a = this.entries[at]; a?.k === 'adv' && a.n === this.n; a = this.entries[at]) at++;
    const ahead = this.entries[at];
    if (at > this.cursor && ahead?.k === k && matches(ahead as Extract<JournalEntry, { k: K }>)) this.moveClockAsRecorded();
    const e = this.entries[this.cursor];
    if (e === undefined || e.k !== k || !matches(e as Extract<JournalEntry, { k: K }>)) {
      this.diverge(replayed);
      return undefined;
    }
    this.cursor++;
    return e as Extract<JournalEntry, { k: K }>;
  }

  readonly boundary: Boundary = {
    call: <T>(name: string, args: readonly unknown[]): Promise<T> => {
      const id = this.calls++;
      const replayed = { k: 'call', id, name, args: outputForm(args) };
      this.take('call', replayed, (e) => e.id === id && e.name === name && same(e.args, replayed.args));
      return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    },
    tell: (name: string, args: readonly unknown[]): void => {
      const replayed = { k: 'tell', name, args: outputForm(args) };
      this.take('tell', replayed, (e) => e.name === name && same(e.args, replayed.args));
    },
    read: <T>(name: string): T => {
      const e = this.take('read', { k: 'read', name }, (x) => x.name === name);
      return (e === undefined ? undefined : decodeValue(e.v)) as T;
    },
    listen: <A extends unknown[], R>(name: string, handler: (...args: A) => R): ((...args: A) => Promise<Awaited<R>>) => {
      this.handlers.set(name, handler as (...args: unknown[]) => unknown);
      // In a replay the world pushes only what was recorded, through run().
      return () => Promise.reject(new Error(`replay: '${name}' is delivered from the recording only`));
    },
  };

  /** The node's clock: virtual time from the recording's epoch; each timer's base as recorded. */
  clock(): Clock {
    return {
      now: () => this.epochMs + this.scheduler.now(),
      setTimer: (delayMs: number, fn: () => void): Timer => {
        const e = this.take('tmr', { k: 'tmr', delayMs });
        if (e !== undefined && e.t !== null) this.scheduler.advanceTo(e.t);
        return this.scheduler.schedule(delayMs, () => {
          this.scheduler.noteAsync();
          fn();
        });
      },
    };
  }

  /** Runs the node until exactly `n` events have executed (and their continuations settled). */
  private async stepTo(n: number): Promise<void> {
    const reached = (): boolean => {
      if (this.n < n) return this.diverged !== undefined;
      this.moveClockAsRecorded();
      return true;
    };
    if (!reached()) await this.scheduler.runUntil(Number.POSITIVE_INFINITY, reached);
    if (this.diverged === undefined && this.n !== n) this.diverge({ k: 'events', executed: this.n, expected: n });
    if (this.diverged !== undefined) throw new Diverged(this.diverged);
  }

  /**
   * The recording's moves of time at the current event count, made now: at the point where runUntil
   * stops after that event, which is where production moved time (Scheduler.onRanToBound), before
   * anything the event left in microtasks runs on.
   */
  private moveClockAsRecorded(): void {
    for (let e = this.entries[this.cursor]; e?.k === 'adv' && e.n === this.n; e = this.entries[this.cursor]) {
      this.scheduler.advanceTo(e.t);
      this.cursor++;
    }
  }

  private deliver(t: number, fn: () => void): void {
    this.scheduler.advanceTo(t);
    this.scheduler.schedule(0, () => {
      this.scheduler.noteAsync();
      fn();
    });
  }

  private answer(id: number, ok: boolean, v: unknown): void {
    const replayed = { k: 'res', id, ok, v: outputForm(v) };
    this.take('res', replayed, (e) => e.id === id && e.ok === ok && same(e.v, replayed.v));
  }

  async run(): Promise<ReplayOutcome> {
    let complete = false;
    try {
      while (this.cursor < this.entries.length) {
        const e = this.entries[this.cursor] as JournalEntry;
        switch (e.k) {
          case 'adv':
            // stepTo makes the move (and any after it at the same count) when it reaches e.n.
            await this.stepTo(e.n);
            break;
          case 'ret': {
            await this.stepTo(e.n);
            this.cursor++;
            const p = this.pending.get(e.id);
            if (p === undefined) {
              this.diverge({ k: 'ret', id: e.id, note: 'no such call is waiting' }, this.cursor - 1);
              throw new Diverged(this.diverged as Divergence);
            }
            this.pending.delete(e.id);
            const v = decodeValue(e.v);
            this.deliver(e.t, () => (e.ok ? p.resolve(v) : p.reject(v)));
            break;
          }
          case 'in': {
            await this.stepTo(e.n);
            this.cursor++;
            const h = this.handlers.get(e.name);
            if (h === undefined) {
              this.diverge({ k: 'in', name: e.name, note: 'the node has no handler for it' }, this.cursor - 1);
              throw new Diverged(this.diverged as Divergence);
            }
            const args = decodeValue(e.args) as unknown[];
            this.deliver(e.t, () => runHandler(h, args, (ok, v) => this.answer(e.id, ok, v)));
            break;
          }
          case 'end':
            await this.stepTo(e.n);
            this.cursor++;
            complete = true;
            break;
          case 'head':
            this.diverge({ k: 'head', note: 'a second header' });
            throw new Diverged(this.diverged as Divergence);
          default: {
            // An output, read or timer the node makes during event n: run to n, and it must be taken.
            const at = this.cursor;
            await this.stepTo(e.n);
            if (this.cursor === at) {
              this.diverge({ k: 'missing', note: `the replay did not make this ${e.k} by event ${e.n}` });
              throw new Diverged(this.diverged as Divergence);
            }
          }
        }
      }
      if (this.diverged !== undefined) throw new Diverged(this.diverged);
    } catch (err) {
      if (!(err instanceof Diverged)) {
        const d = this.diverged ?? { entry: this.cursor, n: this.n, recorded: this.entries[this.cursor] ?? null, replayed: { k: 'crash', error: err instanceof Error ? err.message : String(err) } };
        return { matches: false, entries: this.cursor, events: this.n, complete, divergence: d };
      }
      return { matches: false, entries: this.cursor, events: this.n, complete, divergence: err.divergence };
    }
    return { matches: true, entries: this.cursor, events: this.n, complete };
  }
}
