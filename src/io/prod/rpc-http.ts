// The node's HTTP endpoint on loopback: JSON-RPC (1.0 and 2.0 requests, batches) for miners and
// operators, GET /metrics for Prometheus, GET /status as JSON. Method calls run on the scheduler
// (through the driver), never on the socket's own callback.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RPC_INVALID_PARAMS, RpcMethodError } from '../../node/rpc-methods.ts';

export interface RpcHttpOptions {
  readonly listen: string;
  /** `bearer`: the request's Authorization bearer token, for the admin methods. */
  readonly call: (method: string, params: readonly unknown[], bearer: string | undefined) => Promise<unknown>;
  readonly metrics: () => Promise<string>;
  readonly status: () => Promise<unknown>;
  /** Largest request body accepted. */
  readonly maxBodyBytes?: number;
}

interface JsonRpcRequest {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
  readonly jsonrpc?: unknown;
}

async function body(req: IncomingMessage, max: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new RpcMethodError(-32600, `request body over ${max} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

export async function startRpcServer(o: RpcHttpOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const one = async (r: JsonRpcRequest, bearer: string | undefined): Promise<Record<string, unknown>> => {
    const v1 = r.jsonrpc !== '2.0';
    const reply = (result: unknown, error: { code: number; message: string } | null) =>
      v1 ? { result: error === null ? result : null, error, id: r.id ?? null } : error === null ? { jsonrpc: '2.0', result, id: r.id ?? null } : { jsonrpc: '2.0', error, id: r.id ?? null };
    if (typeof r.method !== 'string') return reply(null, { code: -32600, message: 'request has no method' });
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params)) return reply(null, { code: RPC_INVALID_PARAMS, message: 'params must be an array' });
    try {
      return reply(await o.call(r.method, params, bearer), null);
    } catch (err) {
      const code = err instanceof RpcMethodError ? err.code : -32603;
      return reply(null, { code, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, text: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    if (req.method === 'GET' && req.url === '/metrics') return send(200, await o.metrics(), 'text/plain; version=0.0.4');
    if (req.method === 'GET' && req.url === '/status') return send(200, JSON.stringify(await o.status(), bigintSafe));
    if (req.method !== 'POST') return send(405, JSON.stringify({ error: 'POST JSON-RPC, or GET /metrics or /status' }));
    let parsed: unknown;
    try {
      parsed = JSON.parse(await body(req, o.maxBodyBytes ?? 4 * 1024 * 1024));
    } catch (err) {
      return send(200, JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: `parse error: ${(err as Error).message}` }, id: null }));
    }
    const auth = req.headers.authorization;
    const bearer = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    const out = Array.isArray(parsed) ? await Promise.all(parsed.map((r) => one((r ?? {}) as JsonRpcRequest, bearer))) : await one((parsed ?? {}) as JsonRpcRequest, bearer);
    send(200, JSON.stringify(out, bigintSafe));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    });
  });
  const [host, port] = splitHostPort(o.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.address}:${a.port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function splitHostPort(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`rpc.listen '${listen}' is not host:port`);
  return [listen.slice(0, i), port];
}
