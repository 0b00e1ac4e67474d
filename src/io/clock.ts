// Time as a node sees it. In the simulation a node's clock may be skewed from the world's; timers
// still fire in the world's order. In production it is the wall clock through the real-time driver.
import type { Timer } from '../kernel/scheduler.ts';

export interface Clock {
  /** Milliseconds: virtual time (plus this node's skew) in simulation, Unix ms in production. */
  now(): number;
  /** Runs fn after delayMs. The returned timer can be cancelled. */
  setTimer(delayMs: number, fn: () => void): Timer;
}
