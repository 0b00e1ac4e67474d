// The execution client over the Engine API (HTTP, a fresh JWT per request), with the Capella (V2)
// and Deneb (V3) method versions chosen per fork timestamp and a migration mode — the TypeScript
// form of the design's "Lighthouse v4 → v5" migration:
//   v2-only     V2 always (Alys today);
//   shadow      V2 is used; V3 is also called where the fork allows and the answers compared
//               (mismatches and V3 failures counted), so an operator sees whether V3 would agree;
//   v3-primary  V3 where the fork allows, falling back to V2 on an error;
//   v3-only     V3 where the fork allows, errors surface.
// Plain JSON-RPC (logs) goes through viem. Network errors are retried with backoff; a health state
// (online, syncing, offline, auth-failed) follows every call.
import { createPublicClient, http, type Hex as ViemHex } from 'viem';
import type { EngineCallOptions, EvmLog, ExecutionClient, ForkchoiceState, PayloadAttributes, PayloadStatus } from '../execution.ts';
import type { ExecutionPayload } from '../../types/chain.ts';
import { engineJwt } from './jwt.ts';
import { type Hex, attributesToJson, payloadFromJson, payloadToJson, statusFromJson } from './engine-json.ts';
import { fromHex, toHex } from '../../types/hex.ts';

export type EngineMigrationMode = 'v2-only' | 'shadow' | 'v3-primary' | 'v3-only';
export type ExecutionHealth = 'online' | 'syncing' | 'offline' | 'auth-failed';

export interface EngineClientOptions {
  /** The authenticated Engine API endpoint (geth --authrpc). */
  readonly engineUrl: string;
  /** Plain JSON-RPC (geth --http), for logs. */
  readonly rpcUrl: string;
  readonly jwtSecret: Uint8Array;
  /** The migration mode at start; setMode changes it on a running node (a features reload). */
  readonly mode: EngineMigrationMode;
  /** Cancun (Deneb) activation time in seconds; undefined: not scheduled, V2 only. */
  readonly cancunTime?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** parentBeaconBlockRoot for V3 builds: Alys uses its parent consensus block hash. */
  readonly beaconRoot?: (attributes: PayloadAttributes) => Uint8Array;
}

export class EngineRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | 'http' | 'network',
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'EngineRpcError';
  }
}

const data = (b: Uint8Array): Hex => `0x${toHex(b)}`;

export class EngineApiClient implements ExecutionClient {
  health: ExecutionHealth = 'offline';
  shadowMismatches = 0;
  v3Fallbacks = 0;
  private id = 0;
  private readonly rpc;
  /** Versions of payloads we built, so getPayload uses the matching method. */
  private readonly built = new Map<string, 2 | 3>();
  private mode: EngineMigrationMode;

  constructor(private readonly o: EngineClientOptions) {
    this.mode = o.mode;
    this.rpc = createPublicClient({ transport: http(o.rpcUrl, { retryCount: o.retries ?? 3, timeout: o.timeoutMs ?? 8_000 }) });
  }

  private forkAllowsV3(timestampSec: number): boolean {
    return this.o.cancunTime !== undefined && timestampSec >= this.o.cancunTime;
  }

  private async call(method: string, params: unknown[]): Promise<unknown> {
    const retries = this.o.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.o.engineUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${engineJwt(this.o.jwtSecret)}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 8_000),
        });
      } catch (err) {
        this.health = 'offline';
        if (attempt >= retries) throw new EngineRpcError(method, 'network', (err as Error).message);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        this.health = 'auth-failed';
        throw new EngineRpcError(method, 'http', `HTTP ${res.status}: the execution client refused our JWT (same secret file on both sides?)`);
      }
      if (!res.ok) throw new EngineRpcError(method, 'http', `HTTP ${res.status}`);
      const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
      if (body.error !== undefined) throw new EngineRpcError(method, body.error.code, body.error.message);
      if (this.health === 'offline' || this.health === 'auth-failed') this.health = 'online';
      return body.result;
    }
  }

  private note(status: PayloadStatus): PayloadStatus {
    this.health = status.status === 'SYNCING' ? 'syncing' : 'online';
    return status;
  }

  setMode(mode: EngineMigrationMode): void {
    this.mode = mode;
  }

  /** Runs the call in the version asked for, or else in the versions the migration mode asks for. */
  private async versioned<T>(allowsV3: boolean, run: (v: 2 | 3) => Promise<T>, same: (a: T, b: T) => boolean, options?: EngineCallOptions): Promise<T> {
    if (options?.version !== undefined) return run(options.version === 3 && allowsV3 ? 3 : 2);
    switch (this.mode) {
      case 'v2-only':
        return run(2);
      case 'v3-only':
        return run(allowsV3 ? 3 : 2);
      case 'v3-primary':
        if (!allowsV3) return run(2);
        try {
          return await run(3);
        } catch (err) {
          if (!(err instanceof EngineRpcError) || err.code === 'network') throw err;
          this.v3Fallbacks++;
          return run(2);
        }
      case 'shadow': {
        const primary = await run(2);
        if (allowsV3) {
          try {
            if (!same(primary, await run(3))) this.shadowMismatches++;
          } catch {
            this.shadowMismatches++;
          }
        }
        return primary;
      }
    }
  }

  async forkchoiceUpdated(state: ForkchoiceState, attributes?: PayloadAttributes, options?: EngineCallOptions): Promise<{ status: PayloadStatus; payloadId?: string }> {
    const fcs = { headBlockHash: data(state.headBlockHash), safeBlockHash: data(state.safeBlockHash), finalizedBlockHash: data(state.finalizedBlockHash) };
    const allowsV3 = attributes !== undefined && this.forkAllowsV3(attributes.timestamp);
    const run = async (v: 2 | 3) => {
      const attrs = attributes === undefined ? null : attributesToJson(attributes, v, this.o.beaconRoot?.(attributes) ?? new Uint8Array(32));
      const r = (await this.call(`engine_forkchoiceUpdatedV${v}`, [fcs, attrs])) as { payloadStatus: unknown; payloadId: string | null };
      const out = { status: this.note(statusFromJson(r.payloadStatus)), ...(r.payloadId ? { payloadId: r.payloadId } : {}) };
      if (out.payloadId !== undefined) this.built.set(out.payloadId, v);
      return out;
    };
    return this.versioned(allowsV3, run, (a, b) => a.status.status === b.status.status, options);
  }

  async getPayload(payloadId: string): Promise<ExecutionPayload> {
    const v = this.built.get(payloadId) ?? 2;
    this.built.delete(payloadId);
    const r = (await this.call(`engine_getPayloadV${v}`, [payloadId])) as { executionPayload: unknown };
    return payloadFromJson(r.executionPayload);
  }

  async newPayload(payload: ExecutionPayload, options?: EngineCallOptions): Promise<PayloadStatus> {
    const allowsV3 = this.forkAllowsV3(payload.timestamp);
    const run = async (v: 2 | 3) => {
      const params: unknown[] = [payloadToJson(payload, v)];
      if (v === 3) params.push([], data(new Uint8Array(32)));
      return this.note(statusFromJson(await this.call(`engine_newPayloadV${v}`, params)));
    };
    return this.versioned(allowsV3, run, (a, b) => a.status === b.status, options);
  }

  async getLogs(blockHash: Uint8Array, address: string): Promise<readonly EvmLog[]> {
    const logs = await this.rpc.getLogs({ blockHash: data(blockHash) as ViemHex, address: address as ViemHex });
    return logs.map((l) => ({ address: l.address.toLowerCase(), topics: l.topics as string[], data: l.data, transactionHash: l.transactionHash ?? '0x', logIndex: l.logIndex ?? 0 }));
  }

  async headBlock(): Promise<{ readonly number: number; readonly hash: Uint8Array }> {
    const b = (await this.rpc.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { number?: string; hash?: string } | null;
    if (b?.number === undefined || b.hash === undefined) throw new Error('eth_getBlockByNumber(latest): no block');
    return { number: Number(b.number), hash: fromHex(b.hash) };
  }

  /** eth_blockNumber, for status and the tests. */
  async blockNumber(): Promise<bigint> {
    return this.rpc.getBlockNumber({ cacheTime: 0 });
  }

  async balanceOf(address: string): Promise<bigint> {
    return this.rpc.getBalance({ address: address as ViemHex });
  }

  /** The execution client's genesis block hash (its block 0). */
  async genesisHash(): Promise<Uint8Array> {
    return (await this.genesisPayload()).blockHash;
  }

  /** Block 0 as an execution payload: the consensus genesis embeds it. */
  async genesisPayload(): Promise<ExecutionPayload> {
    const b = (await this.rpc.request({ method: 'eth_getBlockByNumber', params: ['0x0', false] })) as Record<string, unknown> | null;
    if (b === null) throw new EngineRpcError('eth_getBlockByNumber', 'http', 'the execution client has no block 0');
    return payloadFromJson({ ...b, feeRecipient: b.miner, prevRandao: b.mixHash, blockNumber: b.number, blockHash: b.hash, transactions: [], withdrawals: b.withdrawals ?? [] });
  }
}
