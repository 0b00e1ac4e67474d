// The pure parts of the real sync benchmark's link: the proxy multiaddr a follower dials, the
// toxics of a link, and the blocks/s a link can carry (one of the two bounds of the benchmark).
import type { ToxicSpec, ToxicStream } from '../harness/toxiproxy.ts';

export interface LinkSettings {
  /** Round-trip time added by the proxy, ms (half each way); 0 is loopback, no proxy at all. */
  readonly rttMs: number;
  /** Per connection and per direction, KB/s (Toxiproxy's unit). */
  readonly bandwidthKBps: number;
}

export const defaultLink: LinkSettings = { rttMs: 50, bandwidthKBps: 400 };

/** Toxiproxy's bandwidth toxic delays each chunk by bytes / rate ms: its KB is 1,000 bytes. */
export const bandwidthBytesPerSec = (l: LinkSettings): number => l.bandwidthKBps * 1000;

/** The toxics of one proxy: latency and bandwidth, in both directions. */
export function linkToxics(l: LinkSettings): Array<ToxicSpec & { readonly name: string; readonly stream: ToxicStream }> {
  const out: Array<ToxicSpec & { readonly name: string; readonly stream: ToxicStream }> = [];
  for (const stream of ['upstream', 'downstream'] as const) {
    out.push({ name: `latency-${stream}`, type: 'latency', stream, attributes: { latency: l.rttMs / 2, jitter: 0 } });
    out.push({ name: `bandwidth-${stream}`, type: 'bandwidth', stream, attributes: { rate: l.bandwidthKBps } });
  }
  return out;
}

/** The address the follower dials instead of the serving peer's own: the proxy's, with the peer's id. */
export function proxyMultiaddr(listen: string, peerId: string): string {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(listen);
  if (m === null) throw new Error(`toxiproxy listen address '${listen}' is not ipv4:port`);
  return `/ip4/${m[1]}/tcp/${m[2]}/p2p/${peerId}`;
}

/** The serving peer's TCP address (host:port) from its multiaddrs: the proxy's upstream. */
export function tcpUpstream(multiaddrs: readonly string[]): string {
  for (const a of multiaddrs) {
    const m = /^\/ip4\/(\d+\.\d+\.\d+\.\d+)\/tcp\/(\d+)(?:\/|$)/.exec(a);
    if (m !== null && !a.includes('/ws')) return `${m[1]}:${m[2]}`;
  }
  throw new Error(`no /ip4/…/tcp/… address among the serving peer's multiaddrs: ${multiaddrs.join(', ')}`);
}

/**
 * Blocks/s the links can carry to the follower: `peers` connections, each at the link's bandwidth
 * downstream, of blocks averaging `bytesPerBlock` on the wire. Infinity on loopback (rtt 0).
 */
export function linkBlocksPerSec(l: LinkSettings, peers: number, bytesPerBlock: number): number {
  if (l.rttMs === 0) return Number.POSITIVE_INFINITY;
  return (peers * bandwidthBytesPerSec(l)) / bytesPerBlock;
}

/** The bound of the benchmark: the smaller of Geth's import rate and the links' rate, and which it is. */
export function syncBound(gethBlocksPerSec: number, linkRate: number): { readonly blocksPerSec: number; readonly limit: 'geth-import' | 'link-bandwidth' } {
  return linkRate < gethBlocksPerSec ? { blocksPerSec: linkRate, limit: 'link-bandwidth' } : { blocksPerSec: gethBlocksPerSec, limit: 'geth-import' };
}
