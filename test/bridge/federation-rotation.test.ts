// A federation rotation must reach a node whatever happened to it meanwhile: governance announces
// every federation (oldest first) and the pause state on each stream, keeps rotations across its own restart (the key
// file) and applies only new ones on SIGHUP; the PegInActor finds deposits to a federation it learns
// after it had scanned their blocks, and drops deposits to an earlier one above its grace height.
import { describe, expect, it } from 'vitest';
import { type PegInMsg, pegInActor, pegInActorName } from '../../src/actors/peg-in-actor.ts';
import type { Deposit } from '../../src/bridge/deposit.ts';
import { payDeposit, verifyDeposit } from './peg-in-helpers.ts';
import { decodeFederationRecord, encodeFederationRecord } from '../../src/bridge/federation-record.ts';
import { GovernanceServer } from '../../src/governance/server/governance-server.ts';
import { KeysFileError, devKeysFile, parseKeysFile } from '../../src/governance/server/keys-file.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import { SimBitcoin } from '../../src/io/sim/bitcoin.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { bugSet, noBugs } from '../../src/kernel/bugs.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';
import { toHex } from '../../src/types/hex.ts';

const signer = (rotations: Array<{ label: string; grace: number }> = []) =>
  new FederationSigner({
    network: 'regtest',
    privateKeys: devMemberKeys('rot-v1', 3),
    threshold: 2,
    store: new MemorySignedStore(),
    maxFeeSats: 10_000n,
    rotations: rotations.map((r) => ({ privateKeys: devMemberKeys(r.label, 3), threshold: 2, previousValidUntilHeight: r.grace })),
  });

describe('governance announces every federation', () => {
  it('opens each stream with the whole history, oldest first, each with its grace height', () => {
    const s = signer();
    s.rotate(devMemberKeys('rot-v2', 3), 2, 120);
    s.rotate(devMemberKeys('rot-v3', 3), 2, 300);
    const opened = new GovernanceServer({ signer: s, network: 'regtest', maxFeeSats: 10_000n }).opened();
    expect(opened.map((m) => (m.kind === 'federation' ? [m.update.version, m.update.previousValidUntilHeight] : m.kind === 'proposal' ? m.action : m.kind))).toEqual([
      [1, 0],
      [2, 120],
      [3, 300],
      'resume',
    ]);
    // And whether peg-outs are paused: a node that missed the resume learns it on its next stream.
    s.setPaused(true);
    expect(new GovernanceServer({ signer: s, network: 'regtest', maxFeeSats: 10_000n }).opened().at(-1)).toMatchObject({ kind: 'proposal', action: 'emergency-pause' });
  });

  it('keeps its rotations across a restart and applies only new ones', () => {
    const before = signer([{ label: 'rot-v2', grace: 120 }]);
    const restarted = signer([{ label: 'rot-v2', grace: 120 }]);
    expect(restarted.federationUpdates()).toEqual(before.federationUpdates());
    const server = new GovernanceServer({ signer: restarted, network: 'regtest', maxFeeSats: 10_000n });
    const later = [
      { privateKeys: devMemberKeys('rot-v2', 3), threshold: 2, previousValidUntilHeight: 120 },
      { privateKeys: devMemberKeys('rot-v3', 3), threshold: 2, previousValidUntilHeight: 300 },
    ];
    const announced = server.rotate(later);
    expect(announced.map((m) => (m.kind === 'federation' ? m.update.version : 0))).toEqual([3]);
    expect(server.rotate(later)).toEqual([]);
    expect(restarted.current.version).toBe(3);
  });

  it('reads rotations from the key file and names a bad one', () => {
    const base = devKeysFile('rot', 3, 2);
    const ok = parseKeysFile(JSON.stringify({ ...base, rotations: [{ threshold: 2, privateKeysHex: devMemberKeys('x', 3).map(toHex), previousValidUntilHeight: 10 }] }));
    expect(ok.rotationKeys).toHaveLength(1);
    expect(parseKeysFile(JSON.stringify(base)).rotationKeys).toEqual([]);
    expect(() => parseKeysFile(JSON.stringify({ ...base, rotations: [{ threshold: 4, privateKeysHex: devMemberKeys('x', 3).map(toHex), previousValidUntilHeight: 10 }] }))).toThrow(
      new KeysFileError('keys file: rotations.0.threshold: threshold exceeds the number of keys'),
    );
  });

  it('a node keeps a federation record, and refuses bytes that are not one', () => {
    const u = signer([{ label: 'rot-v2', grace: 120 }]).federationUpdate();
    expect(decodeFederationRecord(encodeFederationRecord(u))).toEqual(u);
    expect(decodeFederationRecord(new TextEncoder().encode('{"version":2,'))).toBeUndefined();
  });
});

describe('PegInActor and a federation learned late', () => {
  function world(bugs = noBugs) {
    const scheduler = new Scheduler();
    const btc = new SimBitcoin(scheduler);
    const s = signer();
    const v1 = s.current;
    s.rotate(devMemberKeys('rot-v2', 3), 2, 0);
    const v2 = s.current;
    const system = new ActorSystem({ node: 'n0', scheduler, rng: new SeededRng(1) }, [
      pegInActor({ bitcoin: btc.client({ alive: true }, 1), federation: v1, startHeight: 1, confirmations: 1, pollEveryMs: 1_000, sometimes: () => undefined, bugs }),
    ]).start();
    const pegIn = system.ref<PegInMsg>(pegInActorName);
    let n = 0;
    const pay = (script: Uint8Array): Deposit => payDeposit(btc, script, ++n);
    const verify = (d: Deposit) => verifyDeposit(pegIn, scheduler, d);
    return { scheduler, btc, v1, v2, pegIn, pay, verify };
  }

  for (const [label, bugs, found] of [
    ['finds a deposit to it in a block scanned before it was learned', noBugs, true],
    ['(planted bug pegin-no-rescan-for-late-federation: never finds it)', bugSet(['pegin-no-rescan-for-late-federation']), false],
  ] as const) {
    it(label, async () => {
      const w = world(bugs);
      w.btc.mine();
      const toNew = w.pay(w.v2.scriptPubKey);
      w.btc.mine();
      w.btc.mine();
      await w.scheduler.runUntil(3_000);
      // Not seen here (no federation it knows): cannot be judged yet, which holds its block back.
      expect(await w.verify(toNew)).toMatchObject({ ok: 'unknown' });
      // Learned now (a restart, or governance down at the rotation); deposits to v1 count up to height 3.
      w.pegIn.tell({ type: 'federation', federation: w.v2, previousValidUntilHeight: 3 });
      await w.scheduler.runUntil(w.scheduler.now() + 1_000);
      expect((await w.verify(toNew)).ok === true).toBe(found);
    });
  }

  it('drops a deposit to the earlier federation found above its grace height', async () => {
    const w = world();
    w.btc.mine();
    w.btc.mine();
    const late = w.pay(w.v1.scriptPubKey);
    w.btc.mine(); // height 3
    w.btc.mine();
    await w.scheduler.runUntil(3_000);
    expect((await w.verify(late)).ok).toBe(true);
    w.pegIn.tell({ type: 'federation', federation: w.v2, previousValidUntilHeight: 2 });
    await w.scheduler.runUntil(w.scheduler.now() + 1_000);
    expect(await w.verify(late)).toMatchObject({ ok: false });
  });
});
