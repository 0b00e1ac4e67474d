// `alys status` against a live HTTP endpoint (a stand-in serving a fixed status answer), and its
// one-line errors: no node named, a node that does not answer, an answer that is not a status.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

let server: Server;
let url = '';
let answer: unknown = {};

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
  try {
    const code = await main(['status', ...argv], (l) => out.push(l));
    return { code, out, err: err.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('alys status', () => {
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const { method, id } = JSON.parse(body) as { method: string; id: number };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(method === 'status' ? { jsonrpc: '2.0', id, result: answer } : { jsonrpc: '2.0', id, error: { code: -32601, message: 'no' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('prints the status for a person, and as JSON with --json', async () => {
    answer = { head: { height: 10, hash: '0x01' }, finalized: 8, sync: { state: 'catching-up', currentHeight: 10, targetHeight: 40, blocksPerSec: 2, peerCount: 1 }, peers: 1, pegs: null };
    const human = await run(['--rpc', url]);
    expect(human.code).toBe(0);
    expect(human.out[0]).toBe('sync      catching-up [######------------------] 25 %  10/40  2.0 blocks/s');
    const json = await run(['--rpc', url, '--json']);
    expect(JSON.parse(json.out[0] ?? '')).toEqual(answer);
  });

  it('fails with one line when no node is named, none answers, or the answer is not a status', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toBe('alys: which node? give --rpc <url> or --config <node.json>\n');
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(spare.address() as AddressInfo).port}/`;
    await new Promise<void>((r) => spare.close(() => r()));
    const closed = await run(['--rpc', closedUrl]);
    expect(closed.code).toBe(2);
    expect(closed.err).toBe(`alys: the node at ${closedUrl} did not answer: ECONNREFUSED\n`);
    answer = { head: 'high' };
    const odd = await run(['--rpc', url]);
    expect(odd.code).toBe(2);
    expect(odd.err).toMatch(/^alys: the node's status answer is not one this alys understands: head: .*\n$/);
  });
});
