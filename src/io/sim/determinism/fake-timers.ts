// Stray timers (ours by mistake, or a library's) are virtualised with @sinonjs/fake-timers: they
// fire in virtual time, as the runner advances the fake clock, never on the wall clock. Each one is
// counted with the stack that created it so a run can report them.
import FakeTimers from '@sinonjs/fake-timers';
import type { Patcher } from './patcher.ts';

export interface StrayTimers {
  count: number;
  readonly stacks: string[];
}

export interface FakeTimerControl {
  readonly stray: StrayTimers;
  advanceTo(virtualMs: number): void;
  uninstall(): void;
}

const faked = ['setTimeout', 'setInterval', 'setImmediate'] as const;

export function installFakeTimers(p: Patcher): FakeTimerControl {
  const clock = FakeTimers.withGlobal(globalThis).install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'],
    shouldClearNativeTimers: true,
  });
  const stray: StrayTimers = { count: 0, stacks: [] };
  // Where the fake clock stands, and where virtual time is. Until a stray timer is set there is
  // nothing to fire, so the clock is moved only when one is (then it catches up first, and the timer
  // counts from the right time): ticking it at every step of every run cost more than the runs'
  // stray timers ever did.
  let at = 0;
  let target = 0;
  const catchUp = (): void => {
    if (target > at) {
      clock.tick(target - at);
      at = target;
    }
  };
  for (const name of faked) {
    const fake = (globalThis as unknown as Record<string, (...a: unknown[]) => unknown>)[name] as (...a: unknown[]) => unknown;
    p.replace(globalThis, name, (...args: unknown[]) => {
      catchUp();
      stray.count++;
      if (stray.stacks.length < 5) stray.stacks.push(new Error(`stray ${name}`).stack ?? name);
      return fake(...args);
    });
  }
  return {
    stray,
    advanceTo(virtualMs: number): void {
      if (virtualMs > target) target = virtualMs;
      if (stray.count > 0) catchUp();
    },
    uninstall(): void {
      clock.uninstall();
    },
  };
}
