// The production node's config: defaults, ALYS_ environment overrides, and errors that name the field.
import { describe, expect, it } from 'vitest';
import { ConfigError, configFiles, parseConfigText, parseNodeConfig } from '../../src/node/config.ts';

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

  it('has no place for a federation private key: one is refused, not kept', () => {
    const withKey = { ...base(), governance: { address: '127.0.0.1:1', token: 't', federation: { publicKeys: ['02'.repeat(33)], threshold: 1 }, privateKeys: ['11'.repeat(32)] } };
    expect(() => parseNodeConfig(withKey, {}, 'node.json')).toThrow('node.json: unknown field governance.privateKeys');
  });

  it('refuses unknown and misspelled fields with their path, at every level', () => {
    expect(() => parseNodeConfig({ ...base(), datadir: '/tmp/x' }, {}, 'node.json')).toThrow('node.json: unknown field datadir');
    expect(() => parseNodeConfig({ ...base(), execution: { ...base().execution, engineURL: 'http://x:1' } })).toThrow('unknown field execution.engineURL');
    expect(() => parseNodeConfig({ ...base(), network: { lisen: '/ip4/127.0.0.1/tcp/1' } })).toThrow('unknown field network.lisen');
    expect(() => parseNodeConfig({ ...base(), rpc: { listen: '127.0.0.1:0', maxbatch: 5 } })).toThrow('unknown field rpc.maxbatch');
    expect(() => parseNodeConfig({ ...base(), sync: { strategy: 'parallel', bachSize: 4, x: 1 } })).toThrow('unknown fields sync.bachSize, sync.x');
    expect(() => parseNodeConfig(base(), { ALYS_EXECUTON__ENGINE_URL: 'http://x:1' })).toThrow('environment ALYS_EXECUTON__ENGINE_URL: no config section executon');
    expect(() => parseNodeConfig(base(), { ALYS_EXECUTION__ENGINE_URI: 'http://x:1' })).toThrow('unknown field execution.engineUri');
    // Other tools' variables share the prefix and are no config field.
    expect(parseNodeConfig(base(), { ALYS_LOG_LEVEL: 'debug', ALYS_KEEP_TMP: '1', ALYS_DATA_DIR: '/tmp/y' }).dataDir).toBe('/tmp/y');
  });

  it('checks listen addresses before anything starts', () => {
    expect(() => parseNodeConfig({ ...base(), network: { listen: '127.0.0.1:4001' } })).toThrow(/invalid field network\.listen: '127\.0\.0\.1:4001' is not a multiaddr/);
    expect(() => parseNodeConfig({ ...base(), network: { listen: '/ip4/127.0.0.1/tcp/99999' } })).toThrow(/invalid field network\.listen/);
    expect(() => parseNodeConfig({ ...base(), network: { bootstrap: ['/ip4/1.2.3/tcp/1'] } })).toThrow(/invalid field network\.bootstrap\.0: .* is not a multiaddr/);
    expect(parseNodeConfig({ ...base(), network: { listen: '/ip4/0.0.0.0/tcp/4001' } }).network.listen).toBe('/ip4/0.0.0.0/tcp/4001');
    for (const bad of ['8545', '127.0.0.1', '127.0.0.1:65536', 'localhost:http', 'http://127.0.0.1:8545']) {
      expect(() => parseNodeConfig({ ...base(), rpc: { listen: bad } }), bad).toThrow(/invalid field rpc\.listen: .* is not host:port with a port from 0 to 65535/);
    }
    expect(parseNodeConfig({ ...base(), rpc: { listen: '[::1]:8545' } }).rpc).toEqual({ listen: '[::1]:8545', maxBatch: 100, maxBodyBytes: 1024 * 1024, maxConnections: 64 });
  });

  it('names the file, line and column of a config that is not JSON', () => {
    expect(() => parseConfigText('{\n  "dataDir": "/tmp/x",\n  chain: {}\n}', 'node.json')).toThrow(/^node\.json:3:3: not JSON: /);
    expect(() => parseConfigText('{"dataDir": "/tmp/x"', 'node.json')).toThrow(/^node\.json:1:21: not JSON: /);
    expect(() => parseConfigText('', 'empty.json')).toThrow(/^empty\.json:1:1: not JSON: Unexpected end of JSON input$/);
    expect(parseConfigText('{"a": 1}', 'ok.json')).toEqual({ a: 1 });
  });

  it('lists the files that must exist', () => {
    const c = parseNodeConfig({ ...base(), authorityKeyFile: '/k', bitcoin: { url: 'http://127.0.0.1:1', cookieFile: '/c' }, governance: { address: 'a:1', token: 't', tlsCaFile: '/ca', federation: { publicKeys: ['02'.repeat(33)], threshold: 1 } } });
    expect(configFiles(c).map((f) => f.field)).toEqual(['execution.jwtSecretFile', 'authorityKeyFile', 'bitcoin.cookieFile', 'governance.tlsCaFile']);
    expect(configFiles(parseNodeConfig(base()))).toEqual([{ field: 'execution.jwtSecretFile', path: '/tmp/jwt.hex' }]);
  });
});
