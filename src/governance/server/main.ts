// `alys governance`: the Anduro Governance stand-in as its own process, holding the federation keys
// the node never sees. Prints one JSON line {"listening","address"} on stdout once it accepts
// connections (scripts and tests wait for it); logs are JSON lines on stderr.
//
//   alys governance --listen 127.0.0.1:0 --token T --state gov-state.json --keys keys.json
//                   [--threshold 3] [--max-fee-sats 100000] [--heartbeat-ms 5000] [--tls-cert f --tls-key f]
//   (kill -HUP <pid> applies rotations appended to the key file; see keys-file.ts)
//   alys governance --write-dev-keys --keys keys.json [--members 5] [--threshold 3] [--label dev]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, parsePositiveInt } from '../../cli/errors.ts';
import { FileSignedStore } from '../../io/prod/governance-server/file-signed-store.ts';
import { serveGovernance } from '../../io/prod/governance-server/grpc-server.ts';
import { FederationSigner } from '../signer.ts';
import { GovernanceServer } from './governance-server.ts';
import { KeysFileError, devKeysFile, parseKeysFile } from './keys-file.ts';

const options = {
  listen: { type: 'string', default: '127.0.0.1:50051' },
  token: { type: 'string' },
  state: { type: 'string' },
  keys: { type: 'string' },
  threshold: { type: 'string' },
  'max-fee-sats': { type: 'string', default: '100000' },
  'heartbeat-ms': { type: 'string', default: '5000' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'write-dev-keys': { type: 'boolean', default: false },
  members: { type: 'string', default: '5' },
  label: { type: 'string', default: 'dev' },
} as const;

const log = (event: string, fields: Readonly<Record<string, string | number>>): void => {
  process.stderr.write(`${JSON.stringify({ component: 'governance', event, ...fields })}\n`);
};

export async function governanceCommand(argv: string[], print: (line: string) => void): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({ args: argv, strict: true, options }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const need = (name: 'token' | 'state' | 'keys'): string => {
    const value = v[name] ?? (name === 'token' ? process.env.ALYS_GOVERNANCE_TOKEN : undefined);
    if (value === undefined || value === '') throw new UsageError(`alys governance needs --${name}`);
    return value;
  };

  if (v['write-dev-keys']) {
    const path = need('keys');
    const members = parsePositiveInt(v.members, '--members');
    const threshold = parsePositiveInt(v.threshold ?? '3', '--threshold');
    if (threshold > members) throw new UsageError('--threshold exceeds --members');
    if (existsSync(path)) throw new UsageError(`${path} exists; refusing to overwrite a key file`);
    writeFileSync(path, `${JSON.stringify(devKeysFile(v.label, members, threshold), null, 2)}\n`, { mode: 0o600 });
    print(JSON.stringify({ wrote: path, members, threshold }));
    return 0;
  }

  const token = need('token');
  const statePath = need('state');
  let keys;
  try {
    keys = parseKeysFile(readFileSync(need('keys'), 'utf8'));
  } catch (err) {
    if (err instanceof KeysFileError || (err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((err as Error).message);
    throw err;
  }
  const threshold = v.threshold === undefined ? keys.threshold : parsePositiveInt(v.threshold, '--threshold');
  if (threshold > keys.privateKeys.length) throw new UsageError(`--threshold ${threshold} exceeds the ${keys.privateKeys.length} keys held`);
  if (!/^\d+$/.test(v['max-fee-sats'])) throw new UsageError('--max-fee-sats must be a non-negative integer');
  const maxFeeSats = BigInt(v['max-fee-sats']);
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = v['tls-cert'] !== undefined && v['tls-key'] !== undefined ? { certPem: readFileSync(v['tls-cert']), keyPem: readFileSync(v['tls-key']) } : undefined;

  const signer = new FederationSigner({ network: keys.network, privateKeys: keys.privateKeys, threshold, store: new FileSignedStore(statePath), maxFeeSats, rotations: keys.rotationKeys });
  const server = new GovernanceServer({ signer, network: keys.network, maxFeeSats, log });
  const running = await serveGovernance({
    listen: v.listen,
    token,
    server,
    signer,
    heartbeatMs: parsePositiveInt(v['heartbeat-ms'], '--heartbeat-ms'),
    log,
    ...(tls !== undefined ? { tls } : {}),
  });
  print(JSON.stringify({ listening: running.listening, address: signer.current.address }));

  // SIGHUP re-reads the key file: rotations appended to it are applied and announced to every stream.
  process.on('SIGHUP', () => {
    try {
      const again = parseKeysFile(readFileSync(need('keys'), 'utf8'));
      running.broadcast(server.rotate(again.rotationKeys));
    } catch (err) {
      log('rotation-failed', { error: (err as Error).message });
    }
  });

  // Runs until told to stop; a clean stop lets in-flight replies go out first.
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('stopping', { signal });
      void running.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
