// Async handlers continue in microtasks. Before virtual time moves on, those continuations must have
// run, or a continuation "at time t" would observe a later time. A macrotask boundary is the one
// point where Node guarantees that the whole microtask queue has drained.
//
// Why this is not a determinism leak: in a simulation nothing real can complete during the yield
// (sockets and files are trapped), so the only code that runs is the continuation chain we are
// waiting for, in JavaScript's deterministic microtask order. The reference is captured at load,
// before the simulator installs fake timers, so that the fake clock cannot swallow it.
// eslint-disable-next-line no-restricted-properties -- see the comment above: a pure yield, no time.
const realSetImmediate = globalThis.setImmediate;

export function yieldMacrotask(): Promise<void> {
  return new Promise<void>((resolve) => {
    realSetImmediate(resolve);
  });
}

/**
 * Resolves once every microtask queued so far, and every microtask those queue in turn, has run.
 * Node processes the next-tick queue only after a microtask checkpoint has emptied the microtask
 * queue, so a tick callback is a full drain without a trip through the event loop (an order of
 * magnitude cheaper than a macrotask, which matters: the simulator drains after every IO
 * completion). It never lets real IO in, which in a simulation is exactly right.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.nextTick(resolve);
  });
}
