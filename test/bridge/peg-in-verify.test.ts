// The PegInActor judges a block's deposits against its own Bitcoin node. When that node is out of
// reach (restarting, cut off) or behind the proposer's, a deposit it has not seen (or not deep
// enough) may well be there: the verdict is `unknown`, so the block is retried later and the honest
// peers that relay it are not banned (what the 30-minute nemesis found: a node whose btcd was
// killed banned both its peers and stalled). A deposit it has seen paying something else is invalid.
import { describe, expect, it } from 'vitest';
import { type PegInMsg, pegInActor, pegInActorName } from '../../src/actors/peg-in-actor.ts';
import type { Deposit } from '../../src/bridge/deposit.ts';
import { payDeposit, verifyDeposit } from './peg-in-helpers.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import type { BitcoinClient } from '../../src/io/bitcoin.ts';
import { SimBitcoin } from '../../src/io/sim/bitcoin.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

function world() {
  const scheduler = new Scheduler();
  const btc = new SimBitcoin(scheduler);
  const federation = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('verify', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 1n }).current;
  const inner = btc.client({ alive: true }, 1);
  let down = false;
  // Every call fails while `down`, as calls to a btcd that is not there do.
  const bitcoinClient = new Proxy(inner, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  }) as BitcoinClient;
  const system = new ActorSystem({ node: 'n0', scheduler, rng: new SeededRng(1) }, [
    pegInActor({ bitcoin: bitcoinClient, federation, startHeight: 1, confirmations: 1, pollEveryMs: 1_000, sometimes: () => undefined }),
  ]).start();
  const pegIn = system.ref<PegInMsg>(pegInActorName);
  let n = 0;
  const pay = (): Deposit => payDeposit(btc, federation.scriptPubKey, ++n);
  const verify = (d: Deposit) => verifyDeposit(pegIn, scheduler, d);
  return { scheduler, btc, pay, verify, setDown: (v: boolean) => (down = v) };
}

describe('PegInActor verify when its Bitcoin node is out of reach', () => {
  it('answers unknown for a deposit it has not seen, and judges it again once Bitcoin is back', async () => {
    const w = world();
    w.btc.mine();
    await w.scheduler.runUntil(2_000);
    w.setDown(true);
    // Paid and mined while our Bitcoin node was away: the proposer's saw it, ours could not.
    const d = w.pay();
    w.btc.mine();
    await w.scheduler.runUntil(4_000);
    const away = await w.verify(d);
    expect(away.ok).toBe('unknown');
    expect(away).toMatchObject({ reason: expect.stringMatching(/out of reach/) });
    w.setDown(false);
    expect(await w.verify(d)).toEqual({ ok: true });
  });

  it('answers unknown for a deposit not seen or not deep enough, and refuses one that pays something else', async () => {
    const w = world();
    w.btc.mine();
    await w.scheduler.runUntil(2_000);
    const never: Deposit = { txid: '11'.repeat(32), vout: 0, amountSats: 50_000n, evmAddress: `0x${'07'.repeat(20)}`, federationVersion: 0 };
    expect(await w.verify(never)).toMatchObject({ ok: 'unknown', reason: expect.stringMatching(/not seen/) });
    const d = w.pay();
    w.btc.mine();
    await w.scheduler.runUntil(4_000);
    expect(await w.verify(d)).toEqual({ ok: true });
    expect(await w.verify({ ...d, amountSats: 60_000n })).toMatchObject({ ok: false, reason: expect.stringMatching(/pays 50000/) });
    expect(await w.verify({ ...d, evmAddress: `0x${'08'.repeat(20)}` })).toMatchObject({ ok: false });
  });
});
