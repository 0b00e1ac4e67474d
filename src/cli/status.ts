// `alys status [--rpc URL | --config node.json] [--json]`: a running node's status for a person, or as
// JSON. Without --rpc the node is found through its data directory's rpc.json, as `alys backup` does.
import { UsageError, parseStrict } from './errors.ts';

const usage = 'alys status [--rpc <url> | --config <node.json>] [--json]';

export async function statusCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values } = parseStrict(argv, { rpc: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } }, usage);
  if (values.rpc !== undefined && values.config !== undefined) throw new UsageError(`give --rpc or --config, not both\nusage: ${usage}`);
  const { callNodeRpc, NodeRpcError } = await import('../io/prod/node-rpc-client.ts');
  const { runningNodeUrl } = await import('../io/prod/running-node.ts');
  let answer: unknown;
  try {
    const url = values.rpc ?? (await runningNodeUrl(values.config));
    answer = await callNodeRpc(url, 'status');
  } catch (err) {
    if (err instanceof NodeRpcError) throw new UsageError(err.message);
    throw err;
  }
  if (values.json === true) {
    print(JSON.stringify(answer));
    return 0;
  }
  const { nodeStatusSchema, renderStatus } = await import('./status-text.ts');
  const parsed = nodeStatusSchema.safeParse(answer);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`the node's status answer is not one this alys understands: ${issue === undefined ? 'empty' : `${issue.path.join('.')}: ${issue.message}`}`);
  }
  for (const line of renderStatus(parsed.data)) print(line);
  return 0;
}
