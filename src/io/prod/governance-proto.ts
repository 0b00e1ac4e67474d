// Loads proto/governance.proto once for both ends of the governance link. The loader options fix
// the plain-object shape that src/governance/wire.ts converts and validates: uint64 as decimal
// strings (satoshis exceed 2^53), enums by name, defaults filled in, the set oneof member in `kind`.
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const GOVERNANCE_PROTO_PATH = fileURLToPath(new URL('../../../proto/governance.proto', import.meta.url));
export const GOVERNANCE_SERVICE = 'anduro.governance.v1.Governance';
export const GOVERNANCE_PROTOCOL_VERSION = 1;

export const governanceLoaderOptions = { longs: String, enums: String, defaults: true, oneofs: true } as const;

let cached: ServiceDefinition | undefined;

/** The Governance service: method paths with their serializers (grpc-js ServiceDefinition shape). */
export function governanceService(): ServiceDefinition {
  if (cached === undefined) {
    const pkg = protoLoader.loadSync(GOVERNANCE_PROTO_PATH, governanceLoaderOptions);
    cached = pkg[GOVERNANCE_SERVICE] as unknown as ServiceDefinition;
  }
  return cached;
}

/** The method definition of one rpc, by name (Stream, Health, Capabilities). */
export function governanceMethod(name: 'Stream' | 'Health' | 'Capabilities'): ServiceDefinition[string] {
  const m = governanceService()[name];
  if (m === undefined) throw new Error(`${GOVERNANCE_PROTO_PATH} has no rpc ${name}`);
  return m;
}

/** The bearer token as it travels: `authorization: Bearer <token>` call metadata. */
export const AUTHORIZATION_KEY = 'authorization';
export const bearer = (token: string): string => `Bearer ${token}`;
