// The operator's JSON-RPC methods, which change a running node: the staged V3 rollout
// (rollout_status, rollout_advance, rollout_pause, rollout_rollback) and admin_backup. They need the
// admin token (the file named by rpc.adminTokenFile) as an Authorization bearer; the miners' methods
// stay open. A request without the right token gets an error and changes nothing.
import { timingSafeEqual } from 'node:crypto';
import { type RolloutMsg, rolloutActorName } from '../actors/rollout-actor.ts';
import type { ActorSystem } from '../kernel/actor-system.ts';
import { RPC_INVALID_PARAMS, RpcMethodError } from './rpc-methods.ts';

export const RPC_UNAUTHORIZED = -32001;

export const adminMethods = ['rollout_status', 'rollout_advance', 'rollout_pause', 'rollout_rollback', 'admin_backup'] as const;

export const isAdminMethod = (method: string): boolean => (adminMethods as readonly string[]).includes(method);

export interface AdminContext {
  readonly system: ActorSystem;
  /** The admin token; undefined: no token configured, so the admin methods are refused to everyone. */
  readonly token: string | undefined;
  /** Writes a consistent backup of the running node to `path`; returns its manifest. */
  readonly backup: (path: string) => Promise<unknown>;
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function callAdminMethod(ctx: AdminContext, method: string, params: readonly unknown[], bearer: string | undefined): Promise<unknown> {
  if (ctx.token === undefined) throw new RpcMethodError(RPC_UNAUTHORIZED, `${method} is an admin method and this node has no rpc.adminTokenFile`);
  if (!tokenMatches(ctx.token, bearer)) throw new RpcMethodError(RPC_UNAUTHORIZED, `${method} needs the admin token as an Authorization bearer`);
  const rollout = ctx.system.ref<RolloutMsg>(rolloutActorName);
  switch (method) {
    case 'rollout_status':
      return rollout.ask({ type: 'status' }, 10_000);
    case 'rollout_advance':
      return rollout.ask({ type: 'advance' }, 10_000);
    case 'rollout_pause':
      return rollout.ask({ type: 'pause' }, 10_000);
    case 'rollout_rollback': {
      const reason = params[0] === undefined ? 'by the operator' : params[0];
      if (typeof reason !== 'string') throw new RpcMethodError(RPC_INVALID_PARAMS, 'parameter 0 (reason) must be a string');
      return rollout.ask({ type: 'rollback', reason }, 10_000);
    }
    case 'admin_backup': {
      const path = params[0];
      if (typeof path !== 'string' || path.length === 0) throw new RpcMethodError(RPC_INVALID_PARAMS, 'parameter 0 (path) must be the backup file to write');
      return ctx.backup(path);
    }
    default:
      throw new RpcMethodError(-32601, `method '${method}' not found`);
  }
}
