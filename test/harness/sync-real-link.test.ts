import { describe, expect, it } from 'vitest';
import { parseRealSyncArgs } from '../../bench/sync-real-args.ts';
import { linkBlocksPerSec, linkToxics, proxyMultiaddr, syncBound, tcpUpstream } from '../../bench/sync-real-link.ts';

describe('the real sync benchmark link', () => {
  it('puts 25 ms each way and 400 KB/s in both directions by default', () => {
    const a = parseRealSyncArgs({});
    expect(a.link).toEqual({ rttMs: 50, bandwidthKBps: 400 });
    expect(a.peers).toBe(3);
    expect(a.txsPerBlock).toBe(100);
    expect(a.blocks).toBe(5000);
    const toxics = linkToxics(a.link);
    expect(toxics.filter((t) => t.type === 'latency').map((t) => [t.stream, t.attributes.latency])).toEqual([['upstream', 25], ['downstream', 25]]);
    expect(toxics.filter((t) => t.type === 'bandwidth').map((t) => [t.stream, t.attributes.rate])).toEqual([['upstream', 400], ['downstream', 400]]);
  });

  it('reads the flags and rejects bad ones with the flag named', () => {
    const a = parseRealSyncArgs({ rtt: '0', 'bandwidth-kbps': '1000', peers: '5', 'txs-per-block': '0', blocks: '500', strategy: 'parallel' });
    expect(a).toMatchObject({ link: { rttMs: 0, bandwidthKBps: 1000 }, peers: 5, txsPerBlock: 0, blocks: 500, strategies: ['parallel'] });
    expect(() => parseRealSyncArgs({ rtt: '-2' })).toThrow(/--rtt/);
    expect(() => parseRealSyncArgs({ rtt: '25' })).toThrow(/--rtt must be even/);
    expect(() => parseRealSyncArgs({ peers: '0' })).toThrow(/--peers/);
    expect(() => parseRealSyncArgs({ 'bandwidth-kbps': 'fast' })).toThrow(/--bandwidth-kbps/);
    expect(() => parseRealSyncArgs({ strategy: 'both' })).toThrow(/--strategy/);
  });

  it('dials the proxy with the serving peer id, and proxies to its TCP address', () => {
    expect(proxyMultiaddr('127.0.0.1:4100', '12D3KooWabc')).toBe('/ip4/127.0.0.1/tcp/4100/p2p/12D3KooWabc');
    expect(() => proxyMultiaddr('[::1]:4100', 'x')).toThrow(/not ipv4/);
    expect(tcpUpstream(['/ip4/127.0.0.1/tcp/5000/ws/p2p/x', '/ip4/127.0.0.1/tcp/4001/p2p/x'])).toBe('127.0.0.1:4001');
    expect(() => tcpUpstream(['/ip6/::1/tcp/4001'])).toThrow(/no \/ip4/);
  });

  it('bounds by the slower of Geth and the links', () => {
    // 3 links at 400 KB/s (Toxiproxy's KB is 1,000 bytes) of 12,000-byte blocks: 100 blocks/s.
    expect(linkBlocksPerSec({ rttMs: 50, bandwidthKBps: 400 }, 3, 12_000)).toBe(100);
    expect(linkBlocksPerSec({ rttMs: 0, bandwidthKBps: 400 }, 3, 12_000)).toBe(Number.POSITIVE_INFINITY);
    expect(syncBound(250, 100)).toEqual({ blocksPerSec: 100, limit: 'link-bandwidth' });
    expect(syncBound(80, 100)).toEqual({ blocksPerSec: 80, limit: 'geth-import' });
    expect(syncBound(80, Number.POSITIVE_INFINITY)).toEqual({ blocksPerSec: 80, limit: 'geth-import' });
  });
});
