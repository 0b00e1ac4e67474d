// A cancelled timer lets go of what it would have run. An ask's time-out closes over the message
// asked; the event stays queued until its time, so before this a sync batch's blocks stayed alive
// for the whole time-out (two minutes) after the reply: 300 MB in a real sync of 5,000 blocks.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { actor } from '../../src/kernel/actor.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { makeSystem } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type TakeMsg = Ask<{ type: 'take'; payload: { readonly bytes: Uint8Array } }, number>;

async function collected(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef's target is kept until the current job ends: let it end before collecting.
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((r) => setImmediate(r));
    gc();
  }
  return ref.deref() === undefined;
}

describe('a cancelled timer', () => {
  it('no longer holds its callback or argument', async () => {
    const s = new Scheduler();
    let arg: object | undefined = { big: new Uint8Array(1024) };
    const ref = new WeakRef(arg);
    const t = s.schedule(120_000, (a) => a, arg);
    arg = undefined;
    t.cancel();
    expect(await collected(ref)).toBe(true);
    expect(s.stats().pending).toBe(1);
  });

  it('still holds them until it is cancelled', async () => {
    const s = new Scheduler();
    let arg: object | undefined = { big: new Uint8Array(1024) };
    const ref = new WeakRef(arg);
    s.schedule(120_000, (a) => a, arg);
    arg = undefined;
    expect(await collected(ref)).toBe(false);
  });
});

describe('an answered ask', () => {
  it('lets go of its message before its time-out would have fired', async () => {
    const taker = actor<TakeMsg>({ name: 'taker', create: () => ({ handlers: { take: (m) => m.payload.bytes.length } }) });
    const { system, scheduler } = makeSystem([taker]);
    let payload: { readonly bytes: Uint8Array } | undefined = { bytes: new Uint8Array(4096) };
    const ref = new WeakRef(payload);
    const answer = system.ref<TakeMsg>('taker').ask({ type: 'take', payload }, 120_000);
    payload = undefined;
    await scheduler.runUntil(10);
    expect(await answer).toBe(4096);
    expect(scheduler.now()).toBeLessThan(120_000);
    expect(await collected(ref)).toBe(true);
  });
});
