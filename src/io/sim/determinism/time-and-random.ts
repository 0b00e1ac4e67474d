// Traps for ambient time and randomness: Math.random, Date.now / new Date() / Date(), performance.now,
// process.hrtime, and the Web Crypto and node:crypto random functions. `new Date(x)` with an explicit
// value stays allowed: formatting a virtual timestamp is deterministic.
// Safe by construction: this file names these APIs only to replace them with guards that fail the
// run (trip); the originals are called only when `allowed()` says the caller is not project code
// (a loader's or the test runner's own macrotask), never from the simulated node.
import { createRequire } from 'node:module';
import type { Patcher } from './patcher.ts';

const require = createRequire(import.meta.url);

export type Trip = (api: string) => never;

export function trapTimeAndRandom(p: Patcher, trip: Trip, allowed: () => boolean): void {
  const guard = <F extends (...args: never[]) => unknown>(api: string, original: F): F =>
    ((...args: never[]) => (allowed() ? original(...args) : trip(api))) as unknown as F;

  p.replace(Math, 'random', guard('Math.random', Math.random));

  const RealDate = Date;
  const TrappedDate = function (this: unknown, ...args: unknown[]) {
    if (!new.target) return allowed() ? RealDate() : trip('Date()');
    if (args.length === 0 && !allowed()) trip('new Date()'); // safe: the trap itself; ambient `new Date()` fails the run
    return Reflect.construct(RealDate, args, new.target);
  } as unknown as DateConstructor;
  Object.setPrototypeOf(TrappedDate, RealDate);
  Object.defineProperty(TrappedDate, 'prototype', { value: RealDate.prototype });
  Object.defineProperty(TrappedDate, 'now', { value: guard('Date.now', RealDate.now), configurable: true, writable: true });
  p.replace(globalThis, 'Date', TrappedDate);

  p.replace(performance, 'now', guard('performance.now', performance.now.bind(performance)));
  // Safe: the original hrtime is kept only to be wrapped in a guard that fails the run when project code calls it.
  const hrtime = process.hrtime; // safe: kept to be guarded, never called by the simulation
  const trappedHrtime = guard('process.hrtime', hrtime) as typeof process.hrtime; // safe: the guard trips on project callers
  trappedHrtime.bigint = guard('process.hrtime.bigint', hrtime.bigint); // safe: the guard trips on project callers
  p.replace(process, 'hrtime', trappedHrtime);

  const webCrypto = globalThis.crypto;
  p.replace(webCrypto, 'getRandomValues', guard('crypto.getRandomValues', webCrypto.getRandomValues.bind(webCrypto)));
  p.replace(webCrypto, 'randomUUID', guard('crypto.randomUUID', webCrypto.randomUUID.bind(webCrypto))); // safe: replaced by a guard that trips

  const nodeCrypto = require('node:crypto') as Record<string, (...a: never[]) => unknown>;
  for (const name of ['randomBytes', 'randomUUID', 'getRandomValues', 'randomInt', 'randomFillSync', 'randomFill']) {
    const f = nodeCrypto[name];
    if (typeof f === 'function') p.replace(nodeCrypto, name, guard(`crypto.${name}`, f));
  }
}
