// The production side of the IO boundary: calls go to the real world and their answers come back as
// scheduler events (through RealTimeDriver.post), so an actor awaiting Geth resumes inside the
// scheduler, not outside it. With a journal, every crossing is also written down, in the order the
// scheduler saw it, which is what `alys replay` needs to run the node again from the recording.
import { type Boundary, runHandler } from '../boundary.ts';
import { outputForm } from '../record/journal.ts';
import { encodeValue } from '../record/value-codec.ts';
import type { JournalSink } from './record/journal-writer.ts';
import type { RealTimeDriver } from './realtime-driver.ts';

export class LiveBoundary implements Boundary {
  private calls = 0;
  private inputs = 0;

  constructor(
    private readonly driver: RealTimeDriver,
    private readonly journal?: JournalSink,
  ) {}

  private get n(): number {
    return this.driver.scheduler.executed;
  }

  call<T>(name: string, args: readonly unknown[], start: () => Promise<T>): Promise<T> {
    const id = this.calls++;
    this.journal?.write(() => ({ k: 'call', n: this.n, id, name, args: outputForm(args) }));
    let p: Promise<T>;
    try {
      p = start();
    } catch (err) {
      p = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<T>((resolve, reject) => {
      p.then(
        (v) => this.driver.post(() => resolve(v), this.journal === undefined ? undefined : (n, t) => this.journal?.write(() => ({ k: 'ret', n, t, id, ok: true, v: encodeValue(v) }))),
        (e: unknown) => this.driver.post(() => reject(e), this.journal === undefined ? undefined : (n, t) => this.journal?.write(() => ({ k: 'ret', n, t, id, ok: false, v: encodeValue(e) }))),
      );
    });
  }

  tell(name: string, args: readonly unknown[], run: () => void): void {
    this.journal?.write(() => ({ k: 'tell', n: this.n, name, args: outputForm(args) }));
    run();
  }

  read<T>(name: string, f: () => T): T {
    const v = f();
    this.journal?.write(() => ({ k: 'read', n: this.n, name, v: encodeValue(v) }));
    return v;
  }

  listen<A extends unknown[], R>(name: string, handler: (...args: A) => R): (...args: A) => Promise<Awaited<R>> {
    return (...args: A) =>
      new Promise<Awaited<R>>((resolve, reject) => {
        const id = this.inputs++;
        this.driver.post(
          () =>
            runHandler(handler as (...a: never[]) => unknown, args, (ok, v) => {
              this.journal?.write(() => ({ k: 'res', n: this.n, id, ok, v: outputForm(v) }));
              if (ok) resolve(v as Awaited<R>);
              else reject(v instanceof Error ? v : new Error(String(v)));
            }),
          this.journal === undefined ? undefined : (n, t) => this.journal?.write(() => ({ k: 'in', n, t, id, name, args: encodeValue(args) })),
        );
      });
  }
}
