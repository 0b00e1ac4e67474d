// The production node's config: defaults, ALYS_ environment overrides, and errors that name the field.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseNodeConfig } from '../../src/node/config.ts';

const base = () => ({
  dataDir: '/tmp/alys',
  chain: { genesisTimeMs: 1_700_000_000_000, authorities: ['aa'.repeat(48)] },
  execution: { engineUrl: 'http://127.0.0.1:8551', rpcUrl: 'http://127.0.0.1:8545', jwtSecretFile: '/tmp/jwt.hex' },
});

describe('node config', () => {
  it('fills defaults', () => {
    const c = parseNodeConfig(base());
    expect(c.chain.slotDurationMs).toBe(2_000);
    expect(c.chain.chainId).toBe(121212);
    expect(c.execution.migration).toBe('v2-only');
    expect(c.network.listen).toBe('/ip4/127.0.0.1/tcp/0');
    expect(c.sync.productionThreshold).toBe(0.995);
    expect(c.bitcoin).toBeUndefined();
  });

  it('takes ALYS_<SECTION>__<FIELD> overrides, JSON-typed when they parse', () => {
    const c = parseNodeConfig(base(), {
      ALYS_EXECUTION__ENGINE_URL: 'http://10.0.0.1:8551',
      ALYS_EXECUTION__MIGRATION: 'shadow',
      ALYS_CHAIN__SLOT_DURATION_MS: '1000',
      ALYS_NETWORK__BOOTSTRAP: '["/ip4/10.0.0.2/tcp/4001"]',
      PATH: '/usr/bin',
    });
    expect(c.execution.engineUrl).toBe('http://10.0.0.1:8551');
    expect(c.execution.migration).toBe('shadow');
    expect(c.chain.slotDurationMs).toBe(1_000);
    expect(c.network.bootstrap).toEqual(['/ip4/10.0.0.2/tcp/4001']);
  });

  it('names the field that is wrong', () => {
    expect(() => parseNodeConfig({ ...base(), execution: { ...base().execution, engineUrl: 'not a url' } }, {}, 'node.json')).toThrow(/node\.json: invalid field execution\.engineUrl/);
    expect(() => parseNodeConfig({ ...base(), chain: { ...base().chain, authorities: ['abc'] } })).toThrow(/invalid field chain\.authorities\.0/);
    expect(() => parseNodeConfig(base(), { ALYS_EXECUTION__MIGRATION: 'v4' })).toThrow(/invalid field execution\.migration/);
    expect(() => parseNodeConfig({ ...base(), bitcoin: { url: 'http://127.0.0.1:18443' } })).toThrow(/invalid field bitcoin: needs user and password, or cookieFile/);
    expect(() => parseNodeConfig([])).toThrow(ConfigError);
  });

  it('has no place for a federation private key', () => {
    const c = parseNodeConfig({ ...base(), governance: { address: '127.0.0.1:1', token: 't', federation: { publicKeys: ['02'.repeat(33)], threshold: 1 }, privateKeys: ['11'.repeat(32)] } });
    expect(JSON.stringify(c)).not.toContain('11'.repeat(32));
  });
});
