// The bridge's users and the Bitcoin miners: Bitcoin blocks at a fixed pace, deposits (some
// malformed, some to the previous federation address after a rotation) and burns of minted coins to
// fresh Bitcoin addresses. Every action goes in the ledger the checkers judge the nodes by.
import * as bitcoin from 'bitcoinjs-lib';
import { weiToSats, satsToWei } from '../../src/bridge/amounts.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import type { SimExecution } from '../../src/io/sim/execution.ts';
import type { Rng } from '../../src/kernel/rng.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';
import type { WorldAccess } from '../app.ts';
import { bridgeShared, type BridgeShared } from './shared.ts';

const USERS = Array.from({ length: 6 }, (_, i) => `0x${(i + 1).toString(16).padStart(2, '0').repeat(20)}`);
const regtest = bitcoin.networks.regtest;
const TICK_MS = 1_000;

const due = (now: number, every: number): boolean => every > 0 && now % every < TICK_MS;

export function bridgeWorkload(world: WorldAccess<ChainView>, rng: Rng, el: (id: string) => SimExecution | undefined): void {
  const sh = bridgeShared(world.shared);
  if (sh === undefined) return;
  const b = world.scenario.bridge;
  const now = world.now;
  if (due(now, b.bitcoinBlockEveryMs)) sh.bitcoin.mine();
  if (now >= (b.workloadUntilMs ?? Number.POSITIVE_INFINITY)) return;
  if (due(now, b.depositEveryMs) && now < (b.depositsUntilMs ?? Number.POSITIVE_INFINITY)) deposit(sh, rng, now, b.malformedShare, b.oldAddressShare);
  if (due(now, b.burnEveryMs)) burn(world, sh, rng, el, BigInt(b.minPegOutSats), b.burnWholeBalance);
}

function deposit(sh: BridgeShared, rng: Rng, now: number, malformedShare: number, oldShare: number): void {
  const feds = sh.governance.signer.federations;
  // After a rotation some users still pay the old address (it counts during the grace period).
  const fed = feds.length > 1 && rng.chance(oldShare) ? (feds[1] as (typeof feds)[number]) : (feds[0] as (typeof feds)[number]);
  const user = rng.pick(USERS);
  const amount = BigInt(rng.range(50_000, 400_000));
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  tx.addInput(Uint8Array.from({ length: 32 }, () => rng.int(256)), 0);
  tx.addOutput(fed.scriptPubKey, amount);
  const malformed = rng.chance(malformedShare);
  const embed = (data: Uint8Array): Uint8Array => bitcoin.payments.embed({ data: [data], network: regtest }).output as Uint8Array;
  if (!malformed) tx.addOutput(embed(fromHex(user)), 0n);
  else {
    const kind = rng.int(3);
    if (kind === 1) tx.addOutput(embed(new TextEncoder().encode('not an address')), 0n);
    if (kind === 2) {
      tx.addOutput(embed(fromHex(user)), 0n);
      tx.addOutput(embed(fromHex(rng.pick(USERS))), 0n);
    }
  }
  const r = sh.bitcoin.submit(tx);
  if (!r.ok) throw new Error(`simulated deposit refused: ${r.reason}`);
  sh.ledger.deposits.push({ txid: r.txid, vout: 0, amountSats: amount, evmAddress: user, valid: !malformed, federationVersion: fed.version, sentAtMs: now });
}

function burn(world: WorldAccess<ChainView>, sh: BridgeShared, rng: Rng, el: (id: string) => SimExecution | undefined, minSats: bigint, wholeBalance: boolean): void {
  const live = world.liveNodes();
  if (live.length === 0) return;
  const node = rng.pick(live);
  const exec = el(node.id);
  const view = node.handle.view();
  if (exec === undefined || view.finalizedPayloadHash === '') return;
  const at = fromHex(view.finalizedPayloadHash);
  const included = exec.includedBurns(at);
  // Only users whose earlier burns are final: their finalized balance cannot shrink, so this burn
  // cannot revert, and every burn in the ledger must end as exactly one payout.
  const users = USERS.filter((u) => sh.ledger.burns.every((x) => x.from !== u || included.has(x.id)));
  if (users.length === 0) return;
  const user = rng.pick(users);
  const balance = weiToSats(exec.balanceOf(fromHex(user), at));
  if (balance < minSats) return;
  const drawn = minSats + BigInt(rng.int(Number(balance - minSats) + 1));
  const sats = wholeBalance ? balance : drawn;
  const destination = bitcoin.payments.p2wpkh({ hash: Uint8Array.from({ length: 20 }, () => rng.int(256)), network: regtest }).address as string;
  const tx = { id: `burn-${sh.ledger.burns.length}-${toHex(Uint8Array.from({ length: 4 }, () => rng.int(256)))}`, from: user, destination, wei: satsToWei(sats) };
  sh.burnPool.burns.push(tx);
  sh.ledger.burns.push({ ...tx, sentAtMs: world.now });
}
