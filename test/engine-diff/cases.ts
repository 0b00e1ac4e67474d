// One table of Engine API call sequences, run against the simulated execution client (npm test) and
// against a real Geth (npm run test:real). Each step names the status Geth gives (read from
// go-ethereum's eth/catalyst/api.go, and checked by the real run); both clients must give exactly
// these statuses, which is what makes the simulated client as strict as Geth.
import type { ExecutionClient, PayloadStatus } from '../../src/io/execution.ts';
import type { ExecutionPayload } from '../../src/types/chain.ts';

type Status = PayloadStatus['status'];
/** A forkchoiceUpdated Geth refuses with a JSON-RPC error: -38006, "Too deep reorg". */
const TOO_DEEP = 'error -38006';
type Outcome = Status | typeof TOO_DEEP;
/** A payload made earlier in the sequence, or the client's genesis. */
type Ref = string;

export type Step =
  /** forkchoiceUpdated to `on` with attributes (timestamp `dt` s after it), then getPayload: the payload is named `name`. */
  | { readonly op: 'build'; readonly name: string; readonly on: Ref; readonly dt: number; readonly salt?: number; readonly expect: Status }
  /** A copy of `from` with fields changed, resealed (its hash recomputed as this client hashes) or not. */
  | { readonly op: 'mutate'; readonly name: string; readonly from: Ref; readonly change: Mutation; readonly reseal: boolean }
  | { readonly op: 'new'; readonly payload: Ref; readonly expect: Status }
  /** forkchoiceUpdated without attributes; `unknown` is a hash no client has, `zero` the zero hash. */
  | { readonly op: 'fcu'; readonly head: Ref | 'unknown' | 'zero'; readonly finalized?: Ref; readonly expect: Outcome }
  /** The client is killed (SIGKILL) and started again on the same data. */
  | { readonly op: 'crash' };

export interface Mutation {
  readonly parentHash?: 'unknown' | Ref;
  /** Added to the block number. */
  readonly number?: number;
  /** The timestamp of this ref's payload plus `by` seconds. */
  readonly timestampOf?: { readonly ref: Ref; readonly by: number };
  readonly extraData?: number;
  readonly stateRoot?: number;
}

export interface EngineCase {
  readonly name: string;
  readonly steps: readonly Step[];
}

/** A chain b1..bN on genesis, each block built, imported and made the head. */
const chainOf = (n: number): Step[] =>
  Array.from({ length: n }, (_, i): Step[] => {
    const name = `b${i + 1}`;
    return [
      { op: 'build', name, on: i === 0 ? 'genesis' : `b${i}`, dt: 2, expect: 'VALID' },
      { op: 'new', payload: name, expect: 'VALID' },
      { op: 'fcu', head: name, expect: 'VALID' },
    ];
  }).flat();

export const engineCases: readonly EngineCase[] = [
  {
    name: 'valid chain',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b', on: 'a', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'b', expect: 'VALID' },
      { op: 'fcu', head: 'b', expect: 'VALID' },
      // A block it already has is VALID at once.
      { op: 'new', payload: 'a', expect: 'VALID' },
    ],
  },
  {
    name: 'unknown parent',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'mutate', name: 'orphan', from: 'a', change: { parentHash: 'unknown' }, reseal: true },
      { op: 'new', payload: 'orphan', expect: 'SYNCING' },
      { op: 'fcu', head: 'orphan', expect: 'SYNCING' },
    ],
  },
  {
    name: 'wrong number',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b', on: 'a', dt: 2, expect: 'VALID' },
      // Geth v1.17.10: "invalid block number" (older sources suggest SYNCING; the real run decided).
      { op: 'mutate', name: 'skip', from: 'b', change: { number: 1 }, reseal: true },
      { op: 'new', payload: 'skip', expect: 'INVALID' },
      { op: 'mutate', name: 'same', from: 'b', change: { number: -1 }, reseal: true },
      { op: 'new', payload: 'same', expect: 'INVALID' },
      { op: 'new', payload: 'b', expect: 'VALID' },
    ],
  },
  {
    name: 'timestamp not increasing',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b', on: 'a', dt: 2, expect: 'VALID' },
      { op: 'mutate', name: 'equal', from: 'b', change: { timestampOf: { ref: 'a', by: 0 } }, reseal: true },
      { op: 'new', payload: 'equal', expect: 'INVALID' },
      { op: 'mutate', name: 'earlier', from: 'b', change: { timestampOf: { ref: 'a', by: -1 } }, reseal: true },
      { op: 'new', payload: 'earlier', expect: 'INVALID' },
      { op: 'new', payload: 'b', expect: 'VALID' },
    ],
  },
  {
    name: 'unknown head',
    steps: [
      { op: 'fcu', head: 'unknown', expect: 'SYNCING' },
      { op: 'fcu', head: 'zero', expect: 'INVALID' },
      { op: 'fcu', head: 'genesis', expect: 'VALID' },
    ],
  },
  {
    name: 'bad block hash',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'mutate', name: 'extra', from: 'a', change: { extraData: 7 }, reseal: false },
      { op: 'new', payload: 'extra', expect: 'INVALID' },
      { op: 'mutate', name: 'root', from: 'a', change: { stateRoot: 7 }, reseal: false },
      { op: 'new', payload: 'root', expect: 'INVALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
    ],
  },
  {
    name: 'bad state root, and its child',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b', on: 'a', dt: 2, expect: 'VALID' },
      // Hash right, execution wrong: refused, and remembered as bad.
      { op: 'mutate', name: 'bad', from: 'b', change: { stateRoot: 9 }, reseal: true },
      { op: 'new', payload: 'bad', expect: 'INVALID' },
      { op: 'mutate', name: 'child', from: 'b', change: { parentHash: 'bad', number: 1, timestampOf: { ref: 'b', by: 2 } }, reseal: true },
      { op: 'new', payload: 'child', expect: 'INVALID' },
      { op: 'fcu', head: 'bad', expect: 'INVALID' },
      { op: 'new', payload: 'b', expect: 'VALID' },
    ],
  },
  {
    name: 'side branch',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b1', on: 'a', dt: 2, salt: 1, expect: 'VALID' },
      { op: 'build', name: 'b2', on: 'a', dt: 3, salt: 2, expect: 'VALID' },
      { op: 'new', payload: 'b1', expect: 'VALID' },
      { op: 'fcu', head: 'b1', expect: 'VALID' },
      // A sibling of the head executes and is VALID without becoming the head.
      { op: 'new', payload: 'b2', expect: 'VALID' },
      { op: 'build', name: 'c1', on: 'b1', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'c1', expect: 'VALID' },
    ],
  },
  {
    // Geth writes out state up to the block it was told is final; a kill loses what is above (how
    // much exactly depends on when it last wrote, so the table only asks what both must answer).
    name: 'killed and restarted',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b', on: 'a', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'b', expect: 'VALID' },
      { op: 'fcu', head: 'b', finalized: 'a', expect: 'VALID' },
      { op: 'build', name: 'c', on: 'b', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'c', expect: 'VALID' },
      { op: 'fcu', head: 'c', finalized: 'b', expect: 'VALID' },
      { op: 'crash' },
      // The blocks are still there: VALID at once.
      { op: 'new', payload: 'c', expect: 'VALID' },
      // Told the finalized block, then the head, it takes the head back (re-executing what it lost).
      { op: 'fcu', head: 'b', finalized: 'b', expect: 'VALID' },
      { op: 'fcu', head: 'c', finalized: 'b', expect: 'VALID' },
      { op: 'build', name: 'd', on: 'c', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'd', expect: 'VALID' },
      { op: 'fcu', head: 'd', finalized: 'b', expect: 'VALID' },
    ],
  },
  {
    name: 'reorg',
    steps: [
      { op: 'build', name: 'a', on: 'genesis', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'a', expect: 'VALID' },
      { op: 'fcu', head: 'a', expect: 'VALID' },
      { op: 'build', name: 'b1', on: 'a', dt: 2, salt: 1, expect: 'VALID' },
      { op: 'build', name: 'b2', on: 'a', dt: 3, salt: 2, expect: 'VALID' },
      { op: 'new', payload: 'b1', expect: 'VALID' },
      { op: 'new', payload: 'b2', expect: 'VALID' },
      { op: 'fcu', head: 'b1', expect: 'VALID' },
      { op: 'build', name: 'c1', on: 'b1', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'c1', expect: 'VALID' },
      { op: 'fcu', head: 'c1', expect: 'VALID' },
      // To the shorter branch, build on it, and back.
      { op: 'fcu', head: 'b2', expect: 'VALID' },
      { op: 'build', name: 'd2', on: 'b2', dt: 2, expect: 'VALID' },
      { op: 'new', payload: 'd2', expect: 'VALID' },
      { op: 'fcu', head: 'd2', expect: 'VALID' },
      { op: 'fcu', head: 'c1', expect: 'VALID' },
    ],
  },
  {
    // Moving the head back along its own branch (--engine.maxreorgdepth, 32 by default): what a sync
    // that re-commits blocks the node already holds asks for. Within 32 the head moves back (and
    // forward again, a reorg onto the branch it left); deeper is refused; below the finalized block
    // it is ignored.
    name: 'rewind along the head branch',
    steps: [
      ...chainOf(36),
      { op: 'fcu', head: 'b2', expect: TOO_DEEP },
      { op: 'fcu', head: 'b36', finalized: 'b3', expect: 'VALID' },
      { op: 'fcu', head: 'b2', finalized: 'b3', expect: 'VALID' },
      { op: 'build', name: 'c37', on: 'b36', dt: 2, expect: 'VALID' },
      { op: 'fcu', head: 'b5', finalized: 'b3', expect: 'VALID' },
      { op: 'build', name: 'c6', on: 'b5', dt: 3, salt: 1, expect: 'VALID' },
      { op: 'fcu', head: 'b36', finalized: 'b3', expect: 'VALID' },
    ],
  },
];

/** How one client is driven: its own genesis, and its own block hash (to reseal a mutated payload). */
export interface EngineDriver {
  readonly client: ExecutionClient;
  readonly genesis: ExecutionPayload;
  reseal(body: Omit<ExecutionPayload, 'blockHash'>): Uint8Array;
  /** Kills the client and starts it again; the client to drive from then on. */
  crash(): Promise<ExecutionClient>;
}

export interface StepResult {
  readonly step: number;
  readonly what: string;
  readonly status: Outcome;
}

const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

/** Runs one case; returns the status of every step that has one, in order. */
export async function runCase(c: EngineCase, d: EngineDriver): Promise<StepResult[]> {
  const named = new Map<string, ExecutionPayload>([['genesis', d.genesis]]);
  const get = (ref: Ref): ExecutionPayload => {
    const p = named.get(ref);
    if (p === undefined) throw new Error(`case ${c.name}: no payload named ${ref}`);
    return p;
  };
  const out: StepResult[] = [];
  let client = d.client;
  for (const [i, s] of c.steps.entries()) {
    switch (s.op) {
      case 'crash':
        client = await d.crash();
        break;
      case 'build': {
        const parent = get(s.on);
        const r = await client.forkchoiceUpdated(
          { headBlockHash: parent.blockHash, safeBlockHash: d.genesis.blockHash, finalizedBlockHash: d.genesis.blockHash },
          { timestamp: parent.timestamp + s.dt, prevRandao: filled(32, s.salt ?? 0), suggestedFeeRecipient: filled(20, 1 + (s.salt ?? 0)), withdrawals: [] },
        );
        out.push({ step: i, what: `build ${s.name} on ${s.on}`, status: r.status.status });
        if (r.payloadId === undefined) throw new Error(`case ${c.name}: build ${s.name} gave no payload id (${r.status.status})`);
        named.set(s.name, await client.getPayload(r.payloadId));
        break;
      }
      case 'mutate': {
        const { blockHash, ...body } = get(s.from);
        const m = s.change;
        const changed = {
          ...body,
          ...(m.parentHash !== undefined ? { parentHash: m.parentHash === 'unknown' ? filled(32, 0x11) : get(m.parentHash).blockHash } : {}),
          ...(m.number !== undefined ? { blockNumber: body.blockNumber + m.number } : {}),
          ...(m.timestampOf !== undefined ? { timestamp: get(m.timestampOf.ref).timestamp + m.timestampOf.by } : {}),
          ...(m.extraData !== undefined ? { extraData: filled(1, m.extraData) } : {}),
          ...(m.stateRoot !== undefined ? { stateRoot: filled(32, m.stateRoot) } : {}),
        };
        named.set(s.name, { ...changed, blockHash: s.reseal ? d.reseal(changed) : blockHash });
        break;
      }
      case 'new':
        out.push({ step: i, what: `newPayload ${s.payload}`, status: (await client.newPayload(get(s.payload))).status });
        break;
      case 'fcu': {
        const head = s.head === 'unknown' ? filled(32, 0x22) : s.head === 'zero' ? filled(32, 0) : get(s.head).blockHash;
        const fin = s.finalized === undefined ? new Uint8Array(32) : get(s.finalized).blockHash;
        let status: Outcome;
        try {
          status = (await client.forkchoiceUpdated({ headBlockHash: head, safeBlockHash: fin, finalizedBlockHash: fin })).status.status;
        } catch (err) {
          // Both clients' errors carry Geth's JSON-RPC code (EngineRpcError, the simulated TooDeepReorg).
          if ((err as { code?: unknown }).code !== -38006) throw err;
          status = TOO_DEEP;
        }
        out.push({ step: i, what: `forkchoiceUpdated ${s.head}`, status });
        break;
      }
    }
  }
  return out;
}

/** What the table says each step must answer. */
export function expectedResults(c: EngineCase): StepResult[] {
  const out: StepResult[] = [];
  for (const [i, s] of c.steps.entries()) {
    if (s.op === 'build') out.push({ step: i, what: `build ${s.name} on ${s.on}`, status: s.expect });
    else if (s.op === 'new') out.push({ step: i, what: `newPayload ${s.payload}`, status: s.expect });
    else if (s.op === 'fcu') out.push({ step: i, what: `forkchoiceUpdated ${s.head}`, status: s.expect });
  }
  return out;
}
