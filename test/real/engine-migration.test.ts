// The Engine API migration modes against real Geths: a Cancun Geth driven with V3 only (blob gas
// fields zero, parent beacon root), and a Shanghai Geth (Alys today) where a node configured for V3
// falls back to V2 (v3-primary) or keeps V2 and counts V3's disagreement (shadow).
import { afterAll, describe, expect, it } from 'vitest';
import { type GethProcess, startGeth } from '../../harness/geth.ts';
import { type EngineMigrationMode, EngineApiClient } from '../../src/io/prod/engine-client.ts';

const started: GethProcess[] = [];

async function produce(el: EngineApiClient, blocks: number): Promise<void> {
  let head = await el.genesisHash();
  let ts = Math.floor(Date.now() / 1000);
  for (let i = 0; i < blocks; i++) {
    ts += 2;
    const r = await el.forkchoiceUpdated({ headBlockHash: head, safeBlockHash: head, finalizedBlockHash: head }, { timestamp: ts, prevRandao: new Uint8Array(32), suggestedFeeRecipient: new Uint8Array(20), withdrawals: [] });
    expect(r.status.status).toBe('VALID');
    const p = await el.getPayload(r.payloadId as string);
    expect((await el.newPayload(p)).status).toBe('VALID');
    expect((await el.forkchoiceUpdated({ headBlockHash: p.blockHash, safeBlockHash: p.blockHash, finalizedBlockHash: p.blockHash })).status.status).toBe('VALID');
    head = p.blockHash;
  }
}

async function client(cancunGeth: boolean, mode: EngineMigrationMode): Promise<EngineApiClient> {
  const g = await startGeth({ cancun: cancunGeth });
  started.push(g);
  return new EngineApiClient({ engineUrl: g.engineUrl, rpcUrl: g.rpcUrl, jwtSecret: g.jwtSecret, mode, cancunTime: 0, retries: 0 });
}

describe('Engine API migration modes', () => {
  afterAll(async () => {
    for (const g of started) await g.stop();
  });

  it('v3-only drives a Cancun Geth through V3', async () => {
    const el = await client(true, 'v3-only');
    await produce(el, 20);
    expect(await el.blockNumber()).toBe(20n);
  }, 300_000);

  it('v3-primary on a Shanghai Geth falls back to V2 and counts it', async () => {
    const el = await client(false, 'v3-primary');
    await produce(el, 5);
    expect(await el.blockNumber()).toBe(5n);
    expect(el.v3Fallbacks).toBeGreaterThan(0);
  }, 300_000);

  it('shadow on a Shanghai Geth uses V2 and counts V3 disagreeing', async () => {
    const el = await client(false, 'shadow');
    await produce(el, 5);
    expect(await el.blockNumber()).toBe(5n);
    expect(el.shadowMismatches).toBeGreaterThan(0);
  }, 300_000);
});
