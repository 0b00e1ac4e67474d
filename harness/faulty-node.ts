// `alys node` with a transport fault, for the real-IO suite only: the same startNode as the CLI,
// started in-process so that a test can hand it a fault no configuration can reach. With
// `--drop-sync-response N` the node's libp2p network drops the Nth range response it sends, as a
// lost packet would. Prints the same ready line as `alys node` and stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../src/io/prod/node-config-file.ts';
import { startNode } from '../src/io/prod/node-runtime.ts';
import { decodeSync, isSyncFrame } from '../src/sync/range-protocol.ts';

const { values } = parseArgs({ args: process.argv.slice(2), strict: true, options: { config: { type: 'string' }, 'drop-sync-response': { type: 'string' } } });
if (values.config === undefined) throw new Error('usage: faulty-node --config <file> [--drop-sync-response N]');
const dropNth = Number(values['drop-sync-response'] ?? '0');
if (!Number.isSafeInteger(dropNth) || dropNth < 0) throw new Error(`--drop-sync-response must be a non-negative integer, not ${values['drop-sync-response']}`);

let responses = 0;
const running = await startNode(loadNodeConfig(values.config), undefined, {
  dropOutbound: (_to, payload) => {
    if (!isSyncFrame(payload) || decodeSync(payload).kind !== 'response') return false;
    responses++;
    if (responses !== dropNth) return false;
    process.stderr.write(`faulty-node: dropped range response ${responses}\n`);
    return true;
  },
});
process.stdout.write(`${JSON.stringify({ ready: true, rpc: running.rpcUrl, peerId: running.peerId, multiaddrs: running.multiaddrs })}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await running.stop();
