import type { AuxPowHeader } from '../types/chain.ts';
import type { HeldBlock } from './held-block.ts';

// What the simulation's checkers (and the node's status) may read of a chain node.
import type { BanRecord } from '../network/network-counters.ts';

export interface AcceptedRecord {
  readonly hash: Uint8Array;
  readonly slot: number;
  readonly height: number;
  readonly proposerIndex: number;
  readonly signature: Uint8Array;
  readonly approvalSigners: readonly number[];
  readonly approvalSignature: Uint8Array;
  readonly parentHash: Uint8Array;
  /** The block's execution payload: its hash, and what it builds on (the linkage checker reads it). */
  readonly payload: { readonly blockHash: Uint8Array; readonly parentHash: Uint8Array; readonly blockNumber: number };
}

export interface ChainView {
  /** False while the node is still loading its chain from disk after a (re)start. */
  readonly recovered: boolean;
  readonly authorityIndex: number | undefined;
  readonly headHeight: number;
  readonly headHash: string;
  /** Finalized block hashes by height (index = height), as persisted. */
  readonly finalized: readonly string[];
  /** Hashes of every block this node has reported committed (accepted and on disk). */
  readonly committed: ReadonlySet<string>;
  /** Accepted blocks in acceptance order (for the signature checker). */
  readonly accepted: readonly AcceptedRecord[];
  readonly producedBlocks: number;
  /** Each production: the height produced and the best height known then (sync's target). */
  readonly productions: ReadonlyArray<{ readonly height: number; readonly bestSeen: number }>;
  readonly penalties: number;
  /** Sync as the node's status reports it: where we are against the best chain peers announce. */
  readonly sync: ChainSyncStatus;
  /** Deposits (txid:vout) minted by each accepted block that minted any, by block hash. */
  readonly mintedIn: ReadonlyMap<string, readonly string[]>;
  /** The execution payload hash of the last finalized block (hex). */
  readonly finalizedPayloadHash: string;
  /** Peers this node banned (the PeerActor's record, added by the node's assembly for checkers). */
  readonly bans?: readonly BanRecord[];
  /**
   * Read-only queries (JSON-RPC getblockby…, getqueuedpow) answered from the chain as published,
   * without a message to the chain actor: they never wait behind its engine calls.
   */
  readonly reads?: ChainReads;
  /** Slot ticks handled since the chain actor started (the timer re-arms itself from each). */
  readonly slotTicks?: number;
}

export interface ChainSyncStatus {
  readonly state: 'discovering' | 'downloading' | 'catching-up' | 'synced' | 'failed';
  readonly currentHeight: number;
  readonly targetHeight: number;
  readonly canProduce: boolean;
  /** Peers whose head we have heard of. */
  readonly peerCount: number;
}

export interface ChainReads {
  /** A committed block by hash, or by height on the head's branch (finalized heights included). */
  block(q: { readonly hash?: Uint8Array; readonly height?: number }): { readonly block: HeldBlock; readonly hash: Uint8Array } | undefined;
  queuedPow(): AuxPowHeader | undefined;
}
