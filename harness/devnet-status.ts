// The devnet's once-a-second status line: one cell per node from its `status` RPC. Each node gets
// its own deadline, so one slow node shows as "?" instead of holding the whole line back.
import { type PegsStatus, pegStatusCell } from './devnet-peg.ts';

/** What a cell reads of a node's `status` answer. */
interface NodeStatus {
  readonly head: { readonly height: number } | null;
  readonly finalized: number | null;
  readonly peers: number;
  readonly sync: { readonly currentHeight: number; readonly targetHeight: number } | null;
  readonly pegs: PegsStatus | null;
}

export interface StatusTarget {
  readonly name: string;
  readonly rpc: string;
}

/** One node's cell: its heights, peers, sync and peg-outs; "?" if it did not answer in time, "down" if it refused. */
export async function statusCell(node: StatusTarget, timeoutMs: number): Promise<string> {
  let s: NodeStatus;
  try {
    const res = await fetch(node.rpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: NodeStatus };
    if (body.result === undefined || body.result === null) return `${node.name} ?`;
    s = body.result;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    return name === 'TimeoutError' || name === 'AbortError' ? `${node.name} ?` : `${node.name} down`;
  }
  const pct = s.sync === null || s.sync.targetHeight === 0 ? 100 : Math.floor((s.sync.currentHeight / s.sync.targetHeight) * 1000) / 10;
  return `${node.name} h${s.head?.height ?? 0} f${s.finalized ?? 0} peers ${s.peers} sync ${pct}% ${pegStatusCell(s.pegs)}`;
}

/** The whole line, every node asked at once; it takes at most about timeoutMs. */
export async function statusLine(nodes: readonly StatusTarget[], timeoutMs: number): Promise<string> {
  const cells = await Promise.all(nodes.map((n) => statusCell(n, timeoutMs)));
  return cells.join(' | ');
}
