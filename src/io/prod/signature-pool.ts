// Signature checks on worker threads: the production SetVerifier. Sync validates many blocks at once
// and each BLS verification costs about a millisecond of CPU, so the checks of a batch are spread over
// one worker per core instead of blocking the event loop that runs every actor. The simulation runs
// the same validation code in-thread with a modelled cost (src/actors/validation-actor.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SetVerifier, SignatureSet } from '../../consensus/signature-sets.ts';

interface Job {
  readonly sets: readonly SignatureSet[];
  readonly resolve: (r: readonly boolean[]) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly inFlight: Map<number, Job>;
}

export class SignaturePool {
  private readonly slots: Slot[];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = Math.max(1, availableParallelism() - 1)) {
    this.slots = Array.from({ length: size }, () => this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./signature-worker.mjs', import.meta.url));
    const slot: Slot = { worker, inFlight: new Map() };
    worker.on('message', (m: { id: number; results: boolean[] }) => {
      const job = slot.inFlight.get(m.id);
      slot.inFlight.delete(m.id);
      job?.resolve(m.results);
    });
    // A worker that dies fails its own jobs, not the node: the batch is retried by sync.
    worker.on('error', (err) => this.failAll(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(slot, new Error(`signature worker exited with code ${code}`));
    });
    return slot;
  }

  private failAll(slot: Slot, err: Error): void {
    for (const job of slot.inFlight.values()) job.reject(err);
    slot.inFlight.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
  }

  /** Verifies the sets, split across the least-loaded workers; one answer per set, in order. */
  verify: SetVerifier = async (sets) => {
    if (this.closed) throw new Error('signature pool is closed');
    if (sets.length === 0) return [];
    const parts = Math.min(this.slots.length, sets.length);
    const per = Math.ceil(sets.length / parts);
    const chunks: Array<Promise<readonly boolean[]>> = [];
    for (let i = 0; i < sets.length; i += per) chunks.push(this.send(sets.slice(i, i + per)));
    return (await Promise.all(chunks)).flat();
  };

  private send(sets: readonly SignatureSet[]): Promise<readonly boolean[]> {
    const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.inFlight.set(id, { sets, resolve, reject });
      slot.worker.postMessage({ id, sets });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) for (const job of s.inFlight.values()) job.reject(new Error('signature pool closed'));
  }
}
