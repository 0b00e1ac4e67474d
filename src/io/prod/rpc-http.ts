// The node's HTTP endpoint on loopback: JSON-RPC (1.0 and 2.0 requests, batches) on POST /, for
// miners and operators; GET /metrics for Prometheus; GET /status as JSON. Method calls run on the
// scheduler (through the driver), never on the socket's own callback.
//
// No single client can take the node down (issue 11: a 4 MB batch of 200,000 calls once froze a node
// for 30 s and grew it by a gigabyte). Every request's work is bounded before it is done: the body by
// its size (413 past it, checked on Content-Length before a byte is read), a batch by its count (one
// error for the whole batch past it), and a connection by running its requests one at a time, each
// batch's calls one after another. The number of connections is bounded too, so the work waiting on
// the node at any moment is at most one call per connection.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseHostPort } from '../../node/host-port.ts';
import { RPC_INVALID_PARAMS, RPC_INVALID_REQUEST, RPC_PARSE_ERROR, RpcMethodError } from '../../node/rpc-methods.ts';

export interface RpcLimits {
  /** Largest request body accepted; a larger one gets HTTP 413. */
  readonly maxBodyBytes: number;
  /** Most calls in one batch; a larger batch gets one Invalid Request error. */
  readonly maxBatch: number;
  /** Most open connections; more are closed by the server as they arrive. */
  readonly maxConnections: number;
  /** Longest a client may take to send one whole request. */
  readonly requestTimeoutMs: number;
}

export const defaultRpcLimits: RpcLimits = { maxBodyBytes: 1024 * 1024, maxBatch: 100, maxConnections: 64, requestTimeoutMs: 30_000 };

export interface RpcHttpOptions {
  readonly listen: string;
  /** `bearer`: the request's Authorization bearer token, for the admin methods. */
  readonly call: (method: string, params: readonly unknown[], bearer: string | undefined) => Promise<unknown>;
  readonly metrics: () => Promise<string>;
  readonly status: () => Promise<unknown>;
  readonly limits?: Partial<RpcLimits>;
}

export interface RunningRpcServer {
  readonly server: Server;
  readonly url: string;
  /** Changes the limits of a running server (a config reload): later requests and connections see them. */
  setLimits(next: Partial<Pick<RpcLimits, 'maxBatch' | 'maxBodyBytes' | 'maxConnections'>>): void;
  close(): Promise<void>;
}

/** The listen address is in use or cannot be bound: a start-up failure the operator can fix. */
export class RpcListenError extends Error {
  constructor(
    readonly listen: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RpcListenError';
  }
}

interface JsonRpcRequest {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
  readonly jsonrpc?: unknown;
}

type RpcError = { readonly code: number; readonly message: string };

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

const errorReply = (error: RpcError): Record<string, unknown> => ({ jsonrpc: '2.0', error, id: null });

/** The routes: path → the one method it answers. */
const ROUTES: Readonly<Record<string, 'GET' | 'POST'>> = { '/': 'POST', '/metrics': 'GET', '/status': 'GET' };

export function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.search(/[?#]/);
  return q < 0 ? u : u.slice(0, q);
}

export async function startRpcServer(o: RpcHttpOptions): Promise<RunningRpcServer> {
  const limits: RpcLimits = { ...defaultRpcLimits, ...o.limits };

  const one = async (r: unknown, bearer: string | undefined): Promise<Record<string, unknown>> => {
    const req: JsonRpcRequest = typeof r === 'object' && r !== null && !Array.isArray(r) ? r : {};
    const v1 = req.jsonrpc !== '2.0';
    const id = req.id ?? null;
    const reply = (result: unknown, error: RpcError | null) =>
      v1 ? { result: error === null ? result : null, error, id } : error === null ? { jsonrpc: '2.0', result, id } : { jsonrpc: '2.0', error, id };
    if (typeof req.method !== 'string') return reply(null, { code: RPC_INVALID_REQUEST, message: 'request has no method' });
    const params = req.params === undefined ? [] : req.params;
    if (!Array.isArray(params)) return reply(null, { code: RPC_INVALID_PARAMS, message: 'params must be an array' });
    try {
      return reply(await o.call(req.method, params, bearer), null);
    } catch (err) {
      const code = err instanceof RpcMethodError ? err.code : -32603;
      return reply(null, { code, message: err instanceof Error ? err.message : String(err) });
    }
  };

  const rpc = async (parsed: unknown, bearer: string | undefined): Promise<unknown> => {
    if (!Array.isArray(parsed)) return one(parsed, bearer);
    if (parsed.length === 0) return errorReply({ code: RPC_INVALID_REQUEST, message: 'empty batch' });
    if (parsed.length > limits.maxBatch) return errorReply({ code: RPC_INVALID_REQUEST, message: `batch of ${parsed.length} calls is over the limit of ${limits.maxBatch}` });
    // One after another: a batch holds at most one call on the node at a time.
    const out: unknown[] = [];
    for (const r of parsed) out.push(await one(r, bearer));
    return out;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, text: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const path = pathOf(req.url);
    const allowed = ROUTES[path];
    if (allowed === undefined) return send(404, JSON.stringify({ error: `no such path '${path}': POST JSON-RPC to /, or GET /metrics or /status` }));
    if (req.method !== allowed) return send(405, JSON.stringify({ error: `${path} answers ${allowed} only` }), { allow: allowed });
    if (path === '/metrics') return send(200, await o.metrics(), { 'content-type': 'text/plain; version=0.0.4' });
    if (path === '/status') return send(200, JSON.stringify(await o.status(), bigintSafe));
    const tooLarge = (): void => send(413, JSON.stringify(errorReply({ code: RPC_INVALID_REQUEST, message: `request body over ${limits.maxBodyBytes} bytes` })), { connection: 'close' });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.maxBodyBytes) return tooLarge();
    let text: string;
    try {
      text = await readBody(req, limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return tooLarge();
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return send(200, JSON.stringify(errorReply({ code: RPC_PARSE_ERROR, message: `parse error: ${(err as Error).message}` })));
    }
    const auth = req.headers.authorization;
    const bearer = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    send(200, JSON.stringify(await rpc(parsed, bearer), bigintSafe));
  };

  // A connection's requests run one at a time, in arrival order (HTTP/1.1 may pipeline them).
  const queues = new WeakMap<Socket, Promise<void>>();
  const server = createServer({ requestTimeout: limits.requestTimeoutMs, headersTimeout: Math.min(limits.requestTimeoutMs, 10_000), maxHeaderSize: 16 * 1024 }, (req, res) => {
    const run = (): Promise<void> =>
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
      });
    const next = (queues.get(req.socket) ?? Promise.resolve()).then(run);
    queues.set(req.socket, next);
  });
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = 5_000;
  const { host, port } = parseHostPort(o.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new RpcListenError(o.listen, err.code, `rpc.listen ${o.listen}: ${why}`));
    });
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${shown}:${a.port}`,
    setLimits: (next) => {
      Object.assign(limits, next);
      server.maxConnections = limits.maxConnections;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
