import { describe, expect, it } from 'vitest';
import { FeatureStore } from '../../src/node/feature-store.ts';
import { FeaturesError, defaultFeatures, parseFeatures } from '../../src/node/features.ts';
import { EngineRouter } from '../../src/rollout/engine-router.ts';
import { ROLLOUT_STAGES, advance, decodeRollout, encodeRollout, initialRollout, recordOutcome, rolloutPercent, tick, usesV3 } from '../../src/rollout/rollout-state.ts';
import type { EngineCallOptions, ExecutionClient, PayloadStatus } from '../../src/io/execution.ts';
import type { ExecutionPayload } from '../../src/types/chain.ts';

const gates = { ...defaultFeatures.lighthouseV5.rollout, stageDurationMs: 20_000, gateWindowMs: 10_000 };

describe('features file', () => {
  it('fills defaults and refuses a misspelled field with its path', () => {
    expect(parseFeatures('{}').improvedSync).toBe(true);
    expect(() => parseFeatures('{"lighthouseV5":{"mdoe":"shadow"}}', 'f.json')).toThrow(/f\.json: invalid field lighthouseV5.*mdoe/);
    expect(() => parseFeatures('{"lighthouseV5":{"startPercent":30}}')).toThrow(FeaturesError);
    expect(() => parseFeatures('{"logLevel":')).toThrow(/not JSON/);
  });

  it('a reload tells listeners the changed paths and bumps the generation; an identical one does nothing', () => {
    const store = new FeatureStore();
    const seen: string[][] = [];
    store.subscribe((_f, changed) => seen.push([...changed]));
    expect(store.apply(parseFeatures('{"peg":{"paused":true},"logLevel":"debug"}'))).toEqual(['logLevel', 'peg.paused']);
    expect(store.apply(parseFeatures('{"peg":{"paused":true},"logLevel":"debug"}'))).toEqual([]);
    expect(store.generation()).toBe(1);
    expect(seen).toEqual([['logLevel', 'peg.paused']]);
  });
});

describe('rollout state', () => {
  it('walks the design stages when each stays healthy for its duration', () => {
    let s = initialRollout(0, 10);
    const seen = [rolloutPercent(s)];
    for (let t = 10_000; t <= 200_000; t += 10_000) {
      s = recordOutcome(s, 'v3-ok');
      const r = tick(s, t, gates);
      s = r.state;
      if (r.event?.kind === 'advanced') seen.push(rolloutPercent(s));
    }
    expect(seen).toEqual([...ROLLOUT_STAGES]);
  });

  it('one failed V3 call in a window rolls back to 0 % at the window end, and stays there', () => {
    let s = advance(advance(initialRollout(0, 10), 0), 0);
    expect(rolloutPercent(s)).toBe(50);
    s = recordOutcome(recordOutcome(s, 'v3-ok'), 'v3-error');
    expect(tick(s, 5_000, gates).event).toBeUndefined();
    const r = tick(s, 10_000, gates);
    expect(r.event?.kind).toBe('rolled-back');
    expect(rolloutPercent(r.state)).toBe(0);
    expect(rolloutPercent(tick(r.state, 100_000, gates).state)).toBe(0);
    // Without rollbackOnError the gate only pauses.
    expect(tick(s, 10_000, { ...gates, rollbackOnError: false }).state).toMatchObject({ paused: true, stage: 2 });
  });

  it('persists and refuses a malformed record', () => {
    const s = recordOutcome(initialRollout(7, 25), 'v3-error');
    expect(decodeRollout(encodeRollout(s))).toEqual(s);
    expect(() => decodeRollout(new TextEncoder().encode('{"stage":99}'))).toThrow(/malformed/);
  });

  it('decides V3 by height alone, in the right share', () => {
    for (const p of [10, 25, 50, 75, 90]) {
      let n = 0;
      for (let h = 0; h < 10_000; h++) if (usesV3(h, p)) n++;
      expect(Math.abs(n / 100 - p)).toBeLessThan(1.5);
    }
    expect(usesV3(12, 0)).toBe(false);
    expect(usesV3(12, 100)).toBe(true);
  });
});

describe('engine router', () => {
  const payload = (n: number): ExecutionPayload =>
    ({ blockNumber: n, blockHash: new Uint8Array(32).fill(n), parentHash: new Uint8Array(32).fill(n - 1) }) as unknown as ExecutionPayload;
  const fake = (failV3: boolean) => {
    const calls: Array<2 | 3 | undefined> = [];
    const el = {
      newPayload: (_p: ExecutionPayload, o?: EngineCallOptions): Promise<PayloadStatus> => {
        calls.push(o?.version);
        if (failV3 && o?.version === 3) return Promise.reject(new Error('engine_newPayloadV3: Unsupported fork'));
        return Promise.resolve({ status: 'VALID', latestValidHash: new Uint8Array(32) });
      },
    } as unknown as ExecutionClient;
    return { el, calls };
  };

  it('passes calls through untouched outside the rollout mode', async () => {
    const { el, calls } = fake(false);
    const r = new EngineRouter({ inner: el, genesis: payload(0), mode: () => 'shadow', percent: () => 100, record: () => undefined });
    await r.newPayload(payload(1));
    expect(calls).toEqual([undefined]);
  });

  it('in the rollout, a failed V3 call is recorded and retried on V2, so the block is not lost', async () => {
    const { el, calls } = fake(true);
    const outcomes: string[] = [];
    const r = new EngineRouter({ inner: el, genesis: payload(0), mode: () => 'rollout', percent: () => 100, record: (o) => outcomes.push(o) });
    expect((await r.newPayload(payload(1))).status).toBe('VALID');
    expect(calls).toEqual([3, 2]);
    expect(outcomes).toEqual(['v3-error']);
  });
});
