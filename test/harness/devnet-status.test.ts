// The devnet's status line against real HTTP endpoints: a node that never answers shows as "?"
// within the per-node deadline while the others are shown in full, and a node that refuses
// connections shows as "down" (issue 11: one slow node once held the whole line back).
import { type Server, createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { statusLine } from '../../harness/devnet-status.ts';

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(answer: boolean): Promise<string> {
  const s = createServer((req, res) => {
    if (!answer) return; // holds the request open, as a node stuck in a long pause would
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { head: { height: 12 }, finalized: 8, peers: 2, sync: { currentHeight: 12, targetHeight: 12 }, pegs: { pegIns: { found: 2, minted: 2, rejected: 1 }, pegOuts: { operations: 1, completed: 1, refused: 0 } } } }));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

describe('devnet status line', () => {
  it('shows a slow node as "?" and a gone one as "down" without holding back the others', async () => {
    const fast = await serve(true);
    const slow = await serve(false);
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const gonePort = (gone.address() as { port: number }).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const started = Date.now();
    const line = await statusLine(
      [
        { name: 'n0', rpc: fast },
        { name: 'n1', rpc: slow },
        { name: 'n2', rpc: `http://127.0.0.1:${gonePort}` },
      ],
      300,
    );
    expect(line).toBe('n0 h12 f8 peers 2 sync 100% peg-in 2/2 (1 rejected) peg-out 1/1 | n1 ? | n2 down');
    // The slow node never answers: the line came from the per-node deadline, not from it.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
