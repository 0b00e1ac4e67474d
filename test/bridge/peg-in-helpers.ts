// What the PegInActor tests share: a user's deposit paid on the simulated Bitcoin, and a verify
// asked of the actor while the scheduler runs.
import * as bitcoin from 'bitcoinjs-lib';
import type { PegInMsg } from '../../src/actors/peg-in-actor.ts';
import type { Deposit } from '../../src/bridge/deposit.ts';
import type { SimBitcoin } from '../../src/io/sim/bitcoin.ts';
import type { ActorRef } from '../../src/kernel/actor.ts';
import type { Scheduler } from '../../src/kernel/scheduler.ts';

/** Pays 50,000 sats to `script` with an OP_RETURN naming 0x0707…; `n` makes each input distinct. */
export function payDeposit(btc: SimBitcoin, script: Uint8Array, n: number): Deposit {
  const tx = new bitcoin.Transaction();
  tx.addInput(new Uint8Array(32).fill(n), 0);
  tx.addOutput(script, 50_000n);
  tx.addOutput(bitcoin.payments.embed({ data: [new Uint8Array(20).fill(7)] }).output as Uint8Array, 0n);
  const r = btc.submit(tx);
  if (!r.ok) throw new Error(r.reason);
  return { txid: r.txid, vout: 0, amountSats: 50_000n, evmAddress: `0x${'07'.repeat(20)}`, federationVersion: 0 };
}

/** The actor's verdict on one deposit; the answer comes while the scheduler runs. */
export async function verifyDeposit(pegIn: ActorRef<PegInMsg>, scheduler: Scheduler, d: Deposit) {
  const answer = pegIn.ask({ type: 'verify', deposits: [d] }, 5_000);
  await scheduler.runUntil(scheduler.now() + 1_000);
  return answer;
}
