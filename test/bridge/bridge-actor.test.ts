// The BridgeActor under load and faults. A backlog of peg-outs costs the Bitcoin node one listing of
// each federation's outputs per tick, not one per peg-out. On btcd a listing reads the address's whole history, and in production it also
// waits for the peg-in scanner; listed once per peg-out, forty burns finalized after a fault held a
// real node's bridge in one tick for minutes while newer burns waited (the 30-minute nemesis run).
// And Bitcoin out of reach while a governance answer is checked defers the answer; it does not fail
// (and restart) the actor.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { type BridgeMsg, type BridgeView, bridgeActor, bridgeActorName } from '../../src/actors/bridge-actor.ts';
import { streamActorName } from '../../src/actors/stream-actor.ts';
import type { PegOutRequest } from '../../src/bridge/pegout-request.ts';
import type { NodeMessage } from '../../src/governance/messages.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import { type BitcoinClient, BitcoinRpcError } from '../../src/io/bitcoin.ts';
import { SimBitcoin } from '../../src/io/sim/bitcoin.ts';
import { SimDisk } from '../../src/io/sim/storage.ts';
import { actor } from '../../src/kernel/actor.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { noBugs } from '../../src/kernel/bugs.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

type StubMsg = { readonly type: 'send'; readonly message: NodeMessage };

function world(federations: number) {
  const scheduler = new Scheduler();
  const btc = new SimBitcoin(scheduler);
  const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('tick-v1', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 10_000n });
  const feds = [signer.current];
  for (let v = 2; v <= federations; v++) {
    signer.rotate(devMemberKeys(`tick-v${v}`, 3), 2, 0);
    feds.push(signer.current);
  }
  // Twelve deposits of 0.02 BTC to each federation, deeply confirmed: one for each peg-out to build.
  let n = 0;
  for (const f of feds) {
    for (let i = 0; i < 12; i++) {
      const tx = new bitcoin.Transaction();
      tx.addInput(new Uint8Array(32).fill(++n), 0);
      tx.addOutput(f.scriptPubKey, 2_000_000n);
      const r = btc.submit(tx);
      if (!r.ok) throw new Error(r.reason);
    }
  }
  for (let i = 0; i < 3; i++) btc.mine();

  const inner = btc.client({ alive: true }, 1);
  const listings: string[] = [];
  const down = { value: false };
  const counting: BitcoinClient = {
    ...inner,
    getOutput: (txid, vout) => (down.value ? Promise.reject(new BitcoinRpcError('getrawtransaction', 'unreachable: fetch failed')) : inner.getOutput(txid, vout)),
    listUnspent: (script, min) => {
      listings.push(Buffer.from(script).toString('hex'));
      return inner.listUnspent(script, min);
    },
  };
  const sent: NodeMessage[] = [];
  let view: BridgeView | undefined;
  const system = new ActorSystem({ node: 'n0', scheduler, rng: new SeededRng(1) }, [
    actor<StubMsg>({ name: streamActorName, create: () => ({ handlers: { send: (m) => void sent.push(m.message) } }) }),
    bridgeActor({
      bitcoin: counting,
      storage: new SimDisk({ node: 'n0', scheduler, rng: new SeededRng(2) }).open({ alive: true }),
      network: 'regtest',
      federation: feds[0] as (typeof feds)[number],
      payoutConfirmations: 1,
      spendConfirmations: 2,
      reaskAfterMs: 60_000,
      tickEveryMs: 1_000,
      bugs: noBugs,
      sometimes: () => undefined,
      publish: (v) => {
        view = v;
      },
      onFederation: () => undefined,
    }),
  ]).start();
  const bridge = system.ref<BridgeMsg>(bridgeActorName);
  // The newer federations arrive as governance announces them.
  for (const u of signer.federationUpdates().slice(1)) bridge.tell({ type: 'governance', message: { type: 'federation', update: u } });
  return { scheduler, system, bridge, listings, sent, down, view: () => view };
}

const destination = (i: number): string => bitcoin.payments.p2wpkh({ hash: new Uint8Array(20).fill(i), network: bitcoin.networks.regtest }).address as string;

function backlog(count: number): PegOutRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `0x${(i + 1).toString(16).padStart(64, '0')}:0`,
    burnTxHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    evmAddress: `0x${'11'.repeat(20)}`,
    destination: destination(i + 1),
    amountSats: 100_000n,
  }));
}

describe('BridgeActor: one listing per federation per tick', () => {
  for (const federations of [1, 2]) {
    it(`builds a backlog of 12 peg-outs with ${federations} listing(s) of ${federations} federation(s), not one per peg-out`, async () => {
      const w = world(federations);
      await w.scheduler.runUntil(500);
      const created = w.bridge.ask({ type: 'peg-outs', requests: backlog(12), blockHeight: 10 }, 10_000);
      await w.scheduler.runUntil(600);
      expect(await created).toBe(12);
      const before = w.listings.length;
      // The next tick builds all twelve.
      await w.scheduler.runUntil(1_700);
      const ops = w.view()?.operations ?? [];
      expect(ops.filter((o) => o.status === 'signature-requested')).toHaveLength(12);
      // One signature request per peg-out (besides the sweep's, when there is an earlier federation).
      expect(w.sent.filter((m) => m.kind === 'sign' && m.request.pegOutIds.length > 0)).toHaveLength(12);
      // Each federation listed once in that tick (the sweep of an earlier federation uses it too).
      expect(w.listings.length - before).toBe(federations);
      expect(new Set(w.listings.slice(before)).size).toBe(federations);
      // And no output is spent twice among the twelve: an output one build took is reserved for the next.
      const inputs = ops.flatMap((o) => (o.inputs ?? []).map((i) => `${i.txid}:${i.vout}`));
      expect(new Set(inputs).size).toBe(inputs.length);
    });
  }
});

describe('BridgeActor: Bitcoin out of reach while a governance answer is checked', () => {
  it('defers the answer without failing the actor; the peg-out is asked again', async () => {
    const w = world(1);
    await w.scheduler.runUntil(500);
    void w.bridge.ask({ type: 'peg-outs', requests: backlog(1), blockHeight: 10 }, 10_000);
    await w.scheduler.runUntil(1_700);
    const op = w.view()?.operations[0];
    expect(op?.status).toBe('signature-requested');
    // Governance answers with a transaction spending an output the bridge has not seen: checking it
    // asks Bitcoin for that output, and Bitcoin is down.
    const other = new bitcoin.Transaction();
    other.addInput(new Uint8Array(32).fill(0xee), 0);
    other.addOutput(bitcoin.address.toOutputScript(destination(1), bitcoin.networks.regtest), 90_000n);
    w.down.value = true;
    w.bridge.tell({ type: 'governance', message: { type: 'signature', response: { kind: 'signed', requestId: op?.requestId as string, txHex: other.toHex(), witnesses: [] } } });
    await w.scheduler.runUntil(3_000);
    expect(w.system.actors().find((a) => a.name === bridgeActorName)?.restarts).toBe(0);
    expect(w.view()?.operations[0]?.status).toBe('signature-requested');
    // Re-asked after the re-ask period: the answer that could not be checked comes again.
    w.down.value = false;
    const asked = w.sent.filter((m) => m.kind === 'sign').length;
    await w.scheduler.runUntil(63_000);
    expect(w.sent.filter((m) => m.kind === 'sign').length).toBeGreaterThan(asked);
  });
});
