// `alys bench governance` / `npm run bench:governance`: the governance signing path over the real
// transport. The server runs as its own process (`alys governance`, file-backed state with fsync,
// 3-of-5 dev keys); the node side is GrpcGovernanceLink. Measured: request → verified witnesses
// latency for sequential requests, throughput with C in flight, and as baseline the same requests
// through an in-process FederationSigner with the same durable store, so `ratio` is what the
// process boundary and gRPC cost on top of signing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256 } from '@noble/hashes/sha2.js';
import { scriptOfAddress } from '../src/bridge/federation.ts';
import { buildPegOutTx, type FederationUtxo } from '../src/bridge/pegout-tx.ts';
import { applyWitnesses } from '../src/bridge/witness.ts';
import { UsageError, parsePositiveInt } from '../src/cli/errors.ts';
import type { FederationUpdate, GovernanceMessage, PegOutRegistration, SignatureRequest, SignatureResponse } from '../src/governance/messages.ts';
import { devKeysFile, parseKeysFile } from '../src/governance/server/keys-file.ts';
import { FederationSigner } from '../src/governance/signer.ts';
import type { GovernanceStream } from '../src/io/governance.ts';
import { GrpcGovernanceLink } from '../src/io/prod/governance-grpc.ts';
import { FileSignedStore } from '../src/io/prod/governance-server/file-signed-store.ts';
import { spawnGovernanceServer, type GovernanceProcess } from '../src/io/prod/governance-server/spawn.ts';
import { fromHex, toHex } from '../src/types/hex.ts';

const DEST = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const MAX_FEE_SATS = 100_000n;

interface Job {
  readonly registration: PegOutRegistration;
  readonly request: SignatureRequest;
  readonly inputs: readonly FederationUtxo[];
}

/** A distinct peg-out over its own fake federation output (the signer does not look at the chain). */
function job(fed: FederationUpdate, tag: string): Job {
  const witnessScript = fromHex(fed.witnessScriptHex);
  const utxo = { txid: toHex(sha256(new TextEncoder().encode(`bench-utxo:${tag}`))), vout: 0, amountSats: 100_000n, witnessScript };
  const pegOutId = `peg-${tag}`;
  const built = buildPegOutTx({
    utxos: [utxo],
    pegOuts: [{ pegOutId, script: scriptOfAddress(DEST, 'regtest'), amountSats: 50_000n }],
    feeRateSatPerVb: 2n,
    changeScript: scriptOfAddress(fed.address, 'regtest'),
    threshold: fed.threshold,
  });
  if (!built.ok) throw new Error(built.error.detail);
  return {
    registration: { pegOutId, destination: DEST, amountSats: 50_000n, burnTxHash: `0x${tag}` },
    request: {
      requestId: `req-${tag}`,
      txHex: built.built.tx.toHex(),
      inputs: built.built.inputs.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })),
      pegOutIds: [pegOutId],
    },
    inputs: built.built.inputs,
  };
}

function verify(j: Job, res: SignatureResponse): void {
  if (res.kind !== 'signed') throw new Error(`governance refused ${j.request.requestId}: ${res.reason} ${res.detail}`);
  const applied = applyWitnesses(res.txHex, j.inputs, res.witnesses);
  if (!applied.ok) throw new Error(`witnesses for ${j.request.requestId} do not verify: ${applied.error}`);
}

/** Routes replies on one stream to whoever waits for that request or message id. */
class Session {
  private readonly waiting = new Map<string, (m: GovernanceMessage) => void>();
  private federationWaiter: ((f: FederationUpdate) => void) | undefined;
  private federation: FederationUpdate | undefined;
  closed: string | undefined;
  /** Anything the link could not decode fails the run at the end: the server must speak cleanly. */
  readonly malformed: string[] = [];
  stream!: GovernanceStream;

  readonly handlers = {
    onMessage: (m: GovernanceMessage): void => {
      if (m.kind === 'federation') {
        this.federation = m.update;
        this.federationWaiter?.(m.update);
      }
      const key = m.kind === 'signature' ? `sig:${m.response.requestId}` : m.kind === 'ack' ? `ack:${m.messageId}` : undefined;
      if (key === undefined) return;
      const w = this.waiting.get(key);
      this.waiting.delete(key);
      w?.(m);
    },
    onMalformed: (e: string): void => {
      this.malformed.push(e);
    },
    onClose: (reason: string): void => {
      this.closed = reason;
    },
  };

  fed(): Promise<FederationUpdate> {
    return this.federation !== undefined ? Promise.resolve(this.federation) : new Promise((r) => (this.federationWaiter = r));
  }

  private await(key: string): Promise<GovernanceMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply for ${key} within 30 s (stream ${this.closed ?? 'open'})`)), 30_000);
      this.waiting.set(key, (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  async register(j: Job): Promise<void> {
    const id = `reg-${j.registration.pegOutId}`;
    const p = this.await(`ack:${id}`);
    this.stream.send({ kind: 'register-peg-out', messageId: id, registration: j.registration });
    await p;
  }

  async sign(j: Job): Promise<SignatureResponse> {
    const p = this.await(`sig:${j.request.requestId}`);
    this.stream.send({ kind: 'sign', messageId: `msg-${j.request.requestId}`, request: j.request });
    const m = await p;
    if (m.kind !== 'signature') throw new Error('unreachable');
    return m.response;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

export async function benchGovernance(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        requests: { type: 'string', default: '200' },
        concurrency: { type: 'string', default: '16' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const n = parsePositiveInt(v.requests, '--requests');
  const concurrency = parsePositiveInt(v.concurrency, '--concurrency');
  const say = (line: string): void => {
    if (!v.json) process.stdout.write(`${line}\n`);
  };

  const dir = mkdtempSync(join(tmpdir(), 'alys-gov-bench-'));
  const keysPath = join(dir, 'keys.json');
  const keys = devKeysFile('bench', 5, 3);
  writeFileSync(keysPath, JSON.stringify(keys));
  const token = 'bench-token';
  let server: GovernanceProcess | undefined;
  let link: GrpcGovernanceLink | undefined;
  try {
    server = await spawnGovernanceServer({ token, statePath: join(dir, 'state.json'), keysPath, extraArgs: ['--max-fee-sats', String(MAX_FEE_SATS)] });
    say(`governance server at ${server.listening}, federation ${server.address} (3-of-5)`);
    link = new GrpcGovernanceLink({ address: server.listening, token });
    const session = new Session();
    session.stream = await link.connect(session.handlers);
    const fed = await session.fed();

    const warmup = Array.from({ length: 10 }, (_, i) => job(fed, `warm-${i}`));
    const sequential = Array.from({ length: n }, (_, i) => job(fed, `seq-${i}`));
    const concurrent = Array.from({ length: n }, (_, i) => job(fed, `con-${i}`));
    // Registrations go first, pipelined; the timed part is signing alone.
    await Promise.all([...warmup, ...sequential, ...concurrent].map((j) => session.register(j)));
    for (const j of warmup) verify(j, await session.sign(j));

    const latencies: number[] = [];
    for (const j of sequential) {
      const t0 = performance.now();
      verify(j, await session.sign(j));
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    say(`sequential: ${n} requests, p50 ${percentile(latencies, 50).toFixed(2)} ms, p95 ${percentile(latencies, 95).toFixed(2)} ms`);

    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        for (let j = concurrent[next++]; j !== undefined; j = concurrent[next++]) verify(j, await session.sign(j));
      }),
    );
    const perSec = (n * 1000) / (performance.now() - t0);
    say(`concurrent: ${n} requests with ${concurrency} in flight, ${perSec.toFixed(1)} signatures/s`);
    session.stream.close();
    if (session.malformed.length > 0) throw new Error(`governance sent malformed messages: ${session.malformed.join('; ')}`);

    // Baseline: the same requests, same signer, same fsync'd store, no process boundary, no gRPC.
    const held = parseKeysFile(JSON.stringify(keys));
    const local = new FederationSigner({ network: 'regtest', privateKeys: held.privateKeys, threshold: 3, store: new FileSignedStore(join(dir, 'local-state.json')), maxFeeSats: MAX_FEE_SATS });
    for (const j of [...warmup, ...sequential]) local.registerPegOut(j.registration);
    for (const j of warmup) verify(j, local.sign(j.request));
    const localLatencies: number[] = [];
    for (const j of sequential) {
      const t = performance.now();
      verify(j, local.sign(j.request));
      localLatencies.push(performance.now() - t);
    }
    localLatencies.sort((a, b) => a - b);
    const inProcessP50 = percentile(localLatencies, 50);
    say(`in-process: p50 ${inProcessP50.toFixed(2)} ms`);

    const result = {
      sequential: { n, p50Ms: round(percentile(latencies, 50)), p95Ms: round(percentile(latencies, 95)), p99Ms: round(percentile(latencies, 99)) },
      concurrent: { concurrency, requests: n, perSec: round(perSec, 1) },
      inProcess: { p50Ms: round(inProcessP50) },
      ratio: round(percentile(latencies, 50) / inProcessP50, 2),
      goals: { p95Ms: 100 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.sequential.p95Ms <= result.goals.p95Ms ? 0 : 1;
  } finally {
    link?.shutdown();
    await server?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
