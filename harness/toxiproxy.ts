// Toxiproxy (Shopify's fault-injecting TCP proxy, built from harness/go/go.mod) as the harness
// runs it: the server on a loopback port chosen at run time, and a typed client of its HTTP API
// (proxies, and toxics on them: latency with jitter, bandwidth, reset_peer, timeout). A server that
// cannot start throws: a run that wanted faults must never go on without them.
import { ensureBinaries, HarnessError } from './build.ts';
import { type RunningProcess, freePort, startProcess, waitReady } from './process.ts';

/** Which direction of a proxied connection a toxic acts on: upstream is client → server. */
export type ToxicStream = 'upstream' | 'downstream';

/** The toxics the harness uses, with Toxiproxy's own attribute names. */
export type ToxicSpec =
  /** Delays each chunk by `latency` ± `jitter` ms. */
  | { readonly type: 'latency'; readonly attributes: { readonly latency: number; readonly jitter?: number } }
  /** At most `rate` KB/s. */
  | { readonly type: 'bandwidth'; readonly attributes: { readonly rate: number } }
  /** Resets (TCP RST) connections after `timeout` ms (0: at once). */
  | { readonly type: 'reset_peer'; readonly attributes: { readonly timeout: number } }
  /** A black hole: data is held, and the connection closed after `timeout` ms (0: never closed). */
  | { readonly type: 'timeout'; readonly attributes: { readonly timeout: number } };

export interface Toxic {
  readonly name: string;
  readonly type: ToxicSpec['type'];
  readonly stream: ToxicStream;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

export interface Proxy {
  readonly name: string;
  /** host:port the proxy listens on. */
  readonly listen: string;
  /** host:port it forwards to. */
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly Toxic[];
}

export class ToxiproxyError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    message: string,
  ) {
    super(`toxiproxy: ${what}: ${message}`);
    this.name = 'ToxiproxyError';
  }
}

/** A client of one Toxiproxy server's HTTP API (`url` like http://127.0.0.1:8474). */
export class ToxiproxyClient {
  constructor(readonly url: string) {}

  private async call<T>(what: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': 'alys-harness' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new ToxiproxyError(res.status, what, `HTTP ${res.status} ${text.trim()}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  version(): Promise<string> {
    return fetch(`${this.url}/version`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
  }

  /** Creates a proxy; `listen` '127.0.0.1:0' lets the server choose the port (the answer names it). */
  createProxy(o: { name: string; upstream: string; listen?: string; enabled?: boolean }): Promise<Proxy> {
    return this.call(`create proxy ${o.name}`, 'POST', '/proxies', { name: o.name, upstream: o.upstream, listen: o.listen ?? '127.0.0.1:0', enabled: o.enabled ?? true });
  }

  proxies(): Promise<Record<string, Proxy>> {
    return this.call('list proxies', 'GET', '/proxies');
  }

  proxy(name: string): Promise<Proxy> {
    return this.call(`get proxy ${name}`, 'GET', `/proxies/${encodeURIComponent(name)}`);
  }

  /** Disabling closes every connection through the proxy and refuses new ones until enabled again. */
  setEnabled(name: string, enabled: boolean): Promise<Proxy> {
    return this.call(`${enabled ? 'enable' : 'disable'} proxy ${name}`, 'POST', `/proxies/${encodeURIComponent(name)}`, { enabled });
  }

  deleteProxy(name: string): Promise<void> {
    return this.call(`delete proxy ${name}`, 'DELETE', `/proxies/${encodeURIComponent(name)}`);
  }

  addToxic(proxy: string, toxic: ToxicSpec & { readonly name: string; readonly stream?: ToxicStream; readonly toxicity?: number }): Promise<Toxic> {
    return this.call(`add ${toxic.type} toxic ${toxic.name} to ${proxy}`, 'POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      name: toxic.name,
      type: toxic.type,
      stream: toxic.stream ?? 'downstream',
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    });
  }

  removeToxic(proxy: string, toxic: string): Promise<void> {
    return this.call(`remove toxic ${toxic} from ${proxy}`, 'DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  /** Enables every proxy and removes every toxic. */
  reset(): Promise<void> {
    return this.call('reset', 'POST', '/reset');
  }
}

export interface ToxiproxyServer {
  readonly process: RunningProcess;
  readonly client: ToxiproxyClient;
  stop(): Promise<void>;
}

/** Starts toxiproxy-server on a free loopback port; throws a HarnessError with its output if it does not answer. */
export async function startToxiproxy(o: { readonly timeoutMs?: number; /** Another binary (tests). */ readonly bin?: string } = {}): Promise<ToxiproxyServer> {
  const bin = o.bin ?? ensureBinaries()['toxiproxy-server'];
  const port = await freePort();
  const p = startProcess('toxiproxy-server', bin, ['-host', '127.0.0.1', '-port', String(port)]);
  const client = new ToxiproxyClient(`http://127.0.0.1:${port}`);
  try {
    await waitReady(p, async () => (await client.version()).length > 0, o.timeoutMs ?? 30_000);
  } catch (err) {
    await p.kill9();
    throw new HarnessError(`toxiproxy-server could not start on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  return { process: p, client, stop: () => p.stop() };
}
