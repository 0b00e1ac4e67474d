// Real IO enters the node only as scheduler events: every promise a production IO client returns
// settles inside RealTimeDriver.post, and every callback (bytes from a peer, a governance message)
// runs inside one. Otherwise an actor awaiting Geth would resume outside the scheduler, and the next
// message would wait until the driver's sleep ended.
import type { GovernanceLink } from '../governance.ts';
import type { GossipKind, GossipValidator, GossipVerdict, NetworkIO } from '../network.ts';
import type { AsyncGossipValidator } from './libp2p-network.ts';
import type { RealTimeDriver } from './realtime-driver.ts';

export function settleVia<T>(driver: RealTimeDriver, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    p.then(
      (v) => driver.post(() => resolve(v)),
      (e: unknown) => driver.post(() => reject(e)),
    );
  });
}

/** The same object, with every method that returns a promise settling through the driver. */
export function viaDriver<T extends object>(driver: RealTimeDriver, target: T): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const v: unknown = Reflect.get(obj, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r: unknown = (v as (...a: unknown[]) => unknown).apply(obj, args);
        return r instanceof Promise ? settleVia(driver, r) : r;
      };
    },
  });
}

/** A transport whose gossip validator may answer later (gossipsub awaits it). */
export type AsyncNetworkIO = Omit<NetworkIO, 'onGossip'> & { onGossip?(validate: AsyncGossipValidator): void };

export function networkViaDriver(driver: RealTimeDriver, net: AsyncNetworkIO): NetworkIO {
  return {
    self: net.self,
    send: (to, payload) => net.send(to, payload),
    onReceive: (handler) => net.onReceive((from, payload, gossip) => driver.post(() => handler(from, payload, gossip))),
    peers: () => net.peers(),
    ...(net.ban !== undefined ? { ban: (peer: string, untilMs: number) => net.ban?.(peer, untilMs) } : {}),
    ...(net.reportScore !== undefined ? { reportScore: (peer: string, score: number) => net.reportScore?.(peer, score) } : {}),
    ...(net.gossip !== undefined ? { gossip: (kind: GossipKind, payload: Uint8Array) => net.gossip?.(kind, payload) } : {}),
    // The validator reads the chain's state and tells actors: it runs on the driver, like any callback.
    ...(net.onGossip !== undefined
      ? {
          onGossip: (validate: GossipValidator) =>
            net.onGossip?.((from, kind, payload) => new Promise<GossipVerdict>((resolve, reject) => driver.post(() => {
              try {
                resolve(validate(from, kind, payload));
              } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
              }
            }))),
        }
      : {}),
  };
}

export function governanceViaDriver(driver: RealTimeDriver, link: GovernanceLink): GovernanceLink {
  return {
    connect: (h) =>
      settleVia(
        driver,
        link.connect({
          onMessage: (m) => driver.post(() => h.onMessage(m)),
          onMalformed: (e) => driver.post(() => h.onMalformed(e)),
          onClose: (r) => driver.post(() => h.onClose(r)),
        }),
      ),
  };
}
