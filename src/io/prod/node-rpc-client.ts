// A JSON-RPC call to a running `alys node`, for the command line (`alys status`, `alys backup`): one
// attempt with a deadline, and every failure as one line naming the node's URL.
export class NodeRpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeRpcError';
  }
}

export interface NodeRpcOptions {
  readonly bearer?: string;
  readonly timeoutMs?: number;
}

export async function callNodeRpc(url: string, method: string, params: readonly unknown[] = [], o: NodeRpcOptions = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(o.bearer !== undefined ? { authorization: `Bearer ${o.bearer}` } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${o.timeoutMs ?? 10_000} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new NodeRpcError(`the node at ${url} did not answer: ${why}`);
  }
  let body: { result?: unknown; error?: { message?: unknown } };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new NodeRpcError(`the node at ${url} answered ${method} with HTTP ${res.status} and no JSON-RPC body`);
  }
  if (body.error !== undefined) throw new NodeRpcError(`${method} refused by the node at ${url}: ${String(body.error.message)}`);
  return body.result;
}
