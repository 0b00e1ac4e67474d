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
