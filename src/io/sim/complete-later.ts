// How every simulated IO operation completes: as a scheduler event after its modelled latency,
// owned by the caller's incarnation (a crashed process gets no answer), failing if the fault check
// says so, and telling the scheduler that a continuation is now due.
import type { Owner } from '../../kernel/event-queue.ts';
import type { Scheduler } from '../../kernel/scheduler.ts';

export function completeLater<T>(
  scheduler: Scheduler,
  owner: Owner | undefined,
  delayMs: number,
  fn: () => T,
  fault?: () => Error | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    scheduler.schedule(
      delayMs,
      () => {
        scheduler.noteAsync();
        const failure = fault?.();
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      },
      undefined,
      owner,
    );
  });
}
