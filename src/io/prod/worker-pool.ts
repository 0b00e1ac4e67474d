// A fixed set of worker threads, each running one task at a time: `run` hands a task to an idle worker
// or queues it. Process plumbing for running independent jobs (simulation seeds) on every core; what a
// task does is the worker module's business. Each worker posts `{ ready: true }` once its modules are
// loaded, so `ready()` lets a benchmark leave start-up out of its timing.
import { Worker } from 'node:worker_threads';

export class WorkerExit extends Error {
  constructor(readonly code: number) {
    super(`worker thread exited with code ${code}`);
    this.name = 'WorkerExit';
  }
}

interface Pending<T, R> {
  readonly task: T;
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

interface Slot<T, R> {
  worker: Worker;
  ready: Promise<void>;
  current: Pending<T, R> | undefined;
}

export class WorkerPool<T, R> {
  private readonly slots: Array<Slot<T, R>> = [];
  private readonly queue: Array<Pending<T, R>> = [];
  private closed = false;

  constructor(
    private readonly url: URL,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot<T, R> {
    const worker = new Worker(this.url);
    let markReady: () => void = () => {};
    let failReady: (e: Error) => void = () => {};
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    // Nobody may wait on a worker that dies before it is ready; the task that was sent fails instead.
    ready.catch(() => {});
    const slot: Slot<T, R> = { worker, ready, current: undefined };
    worker.on('message', (m: { ready?: true; result?: R; error?: string }) => {
      if (m.ready === true) {
        markReady();
        return;
      }
      const job = slot.current;
      slot.current = undefined;
      if (job !== undefined) {
        if (m.error !== undefined) job.reject(new Error(m.error));
        else job.resolve(m.result as R);
      }
      this.pump();
    });
    const fail = (err: Error): void => {
      failReady(err);
      const job = slot.current;
      slot.current = undefined;
      job?.reject(err);
      if (this.closed) return;
      // A dead worker fails only its own task; a fresh one takes its place for the rest.
      const i = this.slots.indexOf(slot);
      if (i >= 0) {
        this.slots[i] = this.spawn();
        this.pump();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new WorkerExit(code));
    });
    return slot;
  }

  /** Resolves once every worker has loaded its modules. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  run(task: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined) continue;
      const job = this.queue.shift();
      if (job === undefined) return;
      slot.current = job;
      slot.worker.postMessage(job.task);
    }
  }

  /** Stops every worker; tasks still queued or running fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = [...this.queue.splice(0), ...this.slots.flatMap((s) => (s.current === undefined ? [] : [s.current]))];
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const job of pending) job.reject(new Error('worker pool closed'));
  }
}
