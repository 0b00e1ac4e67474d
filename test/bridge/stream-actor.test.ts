// The StreamActor against the simulated governance (the real signer behind a modelled stream):
// answers reach the bridge once, a governance outage is ridden out with growing backoff and the
// unanswered request is resent on reconnect, and garbage from governance never stops the actor.
import { describe, expect, it } from 'vitest';
import { type GovernanceInbound, type StreamMsg, streamActor, streamActorName, streamDefaults } from '../../src/actors/stream-actor.ts';
import { FederationSigner, MemorySignedStore, devMemberKeys } from '../../src/governance/signer.ts';
import type { GovernanceLink } from '../../src/io/governance.ts';
import { SimGovernance } from '../../src/io/sim/governance.ts';
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { SeededRng } from '../../src/kernel/rng.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

function world(garbage = false) {
  const scheduler = new Scheduler();
  const signer = new FederationSigner({ network: 'regtest', privateKeys: devMemberKeys('stream', 3), threshold: 2, store: new MemorySignedStore(), maxFeeSats: 10_000n });
  const gov = new SimGovernance(scheduler, signer, new SeededRng(2), () => undefined);
  const connects: number[] = [];
  const inner = gov.link('n0', { alive: true });
  const link: GovernanceLink = {
    connect: (h) => {
      connects.push(scheduler.now());
      // A governance that sends bytes which are not messages before every real one.
      if (!garbage) return inner.connect(h);
      return inner.connect({ ...h, onMessage: (m) => (h.onMalformed('signature.response: expected object, received number'), h.onMessage(m)) });
    },
  };
  const delivered: GovernanceInbound[] = [];
  const probes: string[] = [];
  const system = new ActorSystem({ node: 'n0', scheduler, rng: new SeededRng(1) }, [
    streamActor({ link, config: streamDefaults, deliver: (m) => delivered.push(m), sometimes: (p) => probes.push(p) }),
  ]).start();
  const stream = system.ref<StreamMsg>(streamActorName);
  // A refused request is still an answer: enough to see delivery without building a transaction.
  const sign = (id: string): StreamMsg => ({ type: 'send', message: { kind: 'sign', messageId: `m-${id}`, request: { requestId: id, txHex: '00', inputs: [], pegOutIds: ['p'] } } });
  return { scheduler, gov, connects, delivered, probes, stream, sign };
}

describe('StreamActor', () => {
  it('delivers each answer once, even when governance answers twice', async () => {
    const w = world();
    await w.scheduler.runUntil(1_000);
    w.stream.tell(w.sign('r1'));
    w.stream.tell(w.sign('r1'));
    await w.scheduler.runUntil(2_000);
    const answers = w.delivered.filter((m) => m.type === 'signature');
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ response: { kind: 'refused', requestId: 'r1', reason: 'malformed-transaction' } });
    expect(w.probes).toContain('stream.duplicate-dropped');
    expect(w.delivered.some((m) => m.type === 'federation')).toBe(true);
  });

  it('rides out an outage with growing backoff and resends the unanswered request', async () => {
    const w = world();
    await w.scheduler.runUntil(1_000);
    w.gov.setMode('down');
    await w.scheduler.runUntil(1_100);
    w.stream.tell(w.sign('r2'));
    await w.scheduler.runUntil(20_000);
    expect(w.delivered.filter((m) => m.type === 'signature')).toHaveLength(0);
    const gaps = w.connects.slice(1).map((t, i) => t - (w.connects[i] as number));
    expect(gaps.length).toBeGreaterThan(3);
    // Exponential: each retry waits longer than the one before, within the jitter.
    for (let i = 2; i < gaps.length; i++) expect(gaps[i] as number).toBeGreaterThan((gaps[i - 1] as number) * 1.3);
    w.gov.setMode('ok');
    await w.scheduler.runUntil(60_000);
    expect(w.delivered.filter((m) => m.type === 'signature').map((m) => m.type === 'signature' && m.response.requestId)).toEqual(['r2']);
    expect(w.probes).toContain('stream.resent-after-reconnect');
  });

  it('counts garbage from governance and keeps working', async () => {
    const w = world(true);
    await w.scheduler.runUntil(1_000);
    for (let i = 0; i < 5; i++) w.stream.tell(w.sign(`g${i}`));
    await w.scheduler.runUntil(3_000);
    const health = w.stream.ask({ type: 'health' });
    await w.scheduler.runUntil(3_100);
    expect(await health).toMatchObject({ connected: true, unanswered: 0 });
    expect((await health).malformed).toBeGreaterThanOrEqual(6);
    expect(w.delivered.filter((m) => m.type === 'signature')).toHaveLength(5);
  });
});
