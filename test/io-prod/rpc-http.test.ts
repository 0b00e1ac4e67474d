// The node's HTTP endpoint on a loopback port, with a recording method table in place of the node:
// limits on batches, bodies and connections (issue 11: one 200,000-call batch froze a node), the
// routes (404, 405, query strings) and the JSON-RPC spec's empty batch.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/node/host-port.ts';
import { RPC_INVALID_REQUEST, RpcMethodError } from '../../src/node/rpc-methods.ts';
import { type RpcLimits, type RunningRpcServer, RpcListenError, startRpcServer } from '../../src/io/prod/rpc-http.ts';

interface Recorder {
  calls: string[];
  inFlight: number;
  maxInFlight: number;
}

const servers: RunningRpcServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(limits: Partial<RpcLimits> = {}, callDelayMs = 0): Promise<{ url: string; rec: Recorder }> {
  const rec: Recorder = { calls: [], inFlight: 0, maxInFlight: 0 };
  const s = await startRpcServer({
    listen: '127.0.0.1:0',
    limits,
    call: async (method, params) => {
      rec.calls.push(method);
      rec.inFlight++;
      rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
      try {
        if (callDelayMs > 0) await new Promise((r) => setTimeout(r, callDelayMs));
        if (method === 'echo') return params;
        if (method === 'status') return { head: 1 };
        throw new RpcMethodError(-32601, `method '${method}' not found`);
      } finally {
        rec.inFlight--;
      }
    },
    metrics: async () => 'alys_up 1\n',
    status: async () => ({ head: { height: 7 } }),
  });
  servers.push(s);
  return { url: s.url, rec };
}

const post = async (url: string, body: string): Promise<{ status: number; json: unknown; text: string }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
};

const batchOf = (n: number): string => `[${Array.from({ length: n }, () => '{"method":"status"}').join(',')}]`;

describe('JSON-RPC over HTTP: limits', () => {
  it('answers a batch at the limit, its calls one after another', async () => {
    const { url, rec } = await serve({ maxBatch: 5 }, 5);
    const r = await post(url, JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo', params: [i] }))));
    expect(r.status).toBe(200);
    expect(r.json).toEqual(Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', id: i, result: [i] })));
    expect(rec.calls).toHaveLength(5);
    expect(rec.maxInFlight).toBe(1);
  });

  it('refuses a batch past the limit with one error and calls nothing', async () => {
    const { url, rec } = await serve();
    const r = await post(url, batchOf(101));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jsonrpc: '2.0', error: { code: RPC_INVALID_REQUEST, message: 'batch of 101 calls is over the limit of 100' }, id: null });
    expect(rec.calls).toEqual([]);
    const ok = await post(url, batchOf(100));
    expect((ok.json as unknown[]).length).toBe(100);
  });

  it('refuses a 200,000-call batch at once, in bounded memory, without calling anything', async () => {
    const body = batchOf(200_000);
    expect(body.length).toBeGreaterThan(3_800_000);
    // With the default limits the body alone is over the size limit: 413 before it is read.
    const { url, rec } = await serve();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const r = await post(url, body);
    expect(r.status).toBe(413);
    expect(r.text.length).toBeLessThan(200);
    // Even with the body limit raised past it, the batch limit refuses it as one small error.
    const raised = await serve({ maxBodyBytes: 8 * 1024 * 1024 });
    const r2 = await post(raised.url, body);
    expect(r2.json).toEqual({ jsonrpc: '2.0', error: { code: RPC_INVALID_REQUEST, message: 'batch of 200000 calls is over the limit of 100' }, id: null });
    expect(r2.text.length).toBeLessThan(200);
    expect(rec.calls).toEqual([]);
    expect(raised.rec.calls).toEqual([]);
    // The old node built a 174 MB answer over 30 s; these bounds are loose enough for any machine
    // and far below that.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers a body over the limit with 413, declared or chunked', async () => {
    const { url, rec } = await serve({ maxBodyBytes: 1_000 });
    const big = JSON.stringify({ method: 'echo', params: ['x'.repeat(2_000)] });
    expect((await post(url, big)).status).toBe(413);
    // No Content-Length: the body is counted as it arrives.
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"method":"echo","params":["' : 'y'.repeat(600)));
        c.close();
      },
    });
    const res = await fetch(url, { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(rec.calls).toEqual([]);
    expect((await post(url, JSON.stringify({ method: 'echo', params: ['small'] }))).status).toBe(200);
  });

  it('runs a connection’s pipelined requests one at a time', async () => {
    const { url, rec } = await serve({}, 20);
    const { port } = new URL(url);
    const req = (id: number): string => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'echo', params: [id] });
      return `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    };
    const text = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.write(req(1) + req(2) + req(3)));
      let got = '';
      sock.setEncoding('utf8').on('data', (d: string) => {
        got += d;
        if ((got.match(/"result"/g) ?? []).length === 3) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', reject);
    });
    expect(text.indexOf('"id":1')).toBeLessThan(text.indexOf('"id":2'));
    expect(text.indexOf('"id":2')).toBeLessThan(text.indexOf('"id":3'));
    expect(rec.calls).toHaveLength(3);
    expect(rec.maxInFlight).toBe(1);
  });

  it('closes connections past the limit as they arrive', async () => {
    const { url } = await serve({ maxConnections: 2 });
    const port = Number(new URL(url).port);
    const open = () =>
      new Promise<{ closed: Promise<boolean>; destroy: () => void }>((resolve, reject) => {
        const sock = connect(port, '127.0.0.1', () => resolve({ closed, destroy: () => sock.destroy() }));
        const closed = new Promise<boolean>((r) => {
          sock.once('close', () => r(true));
          setTimeout(() => r(false), 2_000);
        });
        sock.on('error', reject);
      });
    const held = [await open(), await open()];
    const third = await open();
    expect(await third.closed).toBe(true);
    for (const h of held) h.destroy();
    // Once the others are gone, a new connection is served.
    await new Promise((r) => setTimeout(r, 100));
    expect((await post(url, '{"method":"status"}')).status).toBe(200);
  });

  it('says which address it could not bind', async () => {
    const { url } = await serve();
    const { port } = new URL(url);
    await expect(startRpcServer({ listen: '127.0.0.1', call: async () => null, metrics: async () => '', status: async () => null })).rejects.toThrow(/is not host:port/);
    const err = await startRpcServer({ listen: `127.0.0.1:${port}`, call: async () => null, metrics: async () => '', status: async () => null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcListenError);
    expect((err as Error).message).toBe(`rpc.listen 127.0.0.1:${port}: address already in use`);
  });
});

describe('JSON-RPC over HTTP: routes and the spec', () => {
  it('gives 404 to an unknown path and 405 to a wrong method', async () => {
    const { url, rec } = await serve();
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/nope`, { method: 'POST', body: '{"method":"status"}' })).status).toBe(404);
    const wrong = await fetch(`${url}/status`, { method: 'POST', body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await fetch(url)).status).toBe(405);
    expect(rec.calls).toEqual([]);
  });

  it('serves a known path with a query string', async () => {
    const { url } = await serve();
    const status = await fetch(`${url}/status?x=1`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ head: { height: 7 } });
    expect(await (await fetch(`${url}/metrics?name[]=alys_up`)).text()).toBe('alys_up 1\n');
    expect((await post(`${url}/?wallet=`, '{"jsonrpc":"2.0","id":3,"method":"status"}')).json).toEqual({ jsonrpc: '2.0', id: 3, result: { head: 1 } });
  });

  it('answers an empty batch with one Invalid Request error', async () => {
    const { url } = await serve();
    const r = await post(url, '[]');
    expect(r.json).toEqual({ jsonrpc: '2.0', error: { code: RPC_INVALID_REQUEST, message: 'empty batch' }, id: null });
  });

  it('answers each bad member of a batch, and bad JSON, with its own error', async () => {
    const { url } = await serve();
    const r = await post(url, '[1, {"jsonrpc":"2.0","id":9,"method":"echo","params":{}}, {"id":2,"method":"nope"}]');
    expect(r.json).toEqual([
      { result: null, error: { code: -32600, message: 'request has no method' }, id: null },
      { jsonrpc: '2.0', error: { code: -32602, message: 'params must be an array' }, id: 9 },
      { result: null, error: { code: -32601, message: "method 'nope' not found" }, id: 2 },
    ]);
    const bad = await post(url, '{"method":');
    expect((bad.json as { error: { code: number } }).error.code).toBe(-32700);
  });
});

describe('rpc.listen', () => {
  it('is host:port with a port from 0 to 65535', () => {
    expect(parseHostPort('127.0.0.1:8545')).toEqual({ host: '127.0.0.1', port: 8545 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
    for (const bad of ['127.0.0.1', '127.0.0.1:65536', ':8545', '127.0.0.1:-1', '127.0.0.1:80a', 'a b:1', '::1:80', 'http://x:1']) expect(() => parseHostPort(bad), bad).toThrow(/is not host:port/);
  });
});
