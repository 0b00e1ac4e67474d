// StorageActor: the chain's durable state over the storage IO. Blocks by hash and by height, the
// head and the finalized block, each write in one atomic synced batch: a block is "committed" only
// once this actor has answered, so a crash never loses a block the chain reported as committed.
import type { StorageIO } from '../io/storage.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { BugSwitches } from '../kernel/bugs.ts';
import type { Ask } from '../kernel/message.ts';
import { decodeBlock, encodeBlock } from '../codec/block-codec.ts';
import type { SignedConsensusBlock } from '../types/chain.ts';
import { toHex } from '../types/hex.ts';

export interface StoredChain {
  /** Committed blocks in ascending height. */
  readonly blocks: readonly SignedConsensusBlock[];
  readonly finalized: { readonly hash: string; readonly height: number } | undefined;
}

export type StorageMsg =
  | Ask<{ readonly type: 'put-block'; readonly block: SignedConsensusBlock; readonly hash: Uint8Array }, void>
  /** Several blocks in one atomic, synced write (a sync batch: one fsync instead of one per block). */
  | Ask<{ readonly type: 'put-blocks'; readonly blocks: ReadonlyArray<{ readonly block: SignedConsensusBlock; readonly hash: Uint8Array }> }, void>
  | Ask<{ readonly type: 'set-finalized'; readonly hash: Uint8Array; readonly height: number }, void>
  | Ask<{ readonly type: 'load' }, StoredChain>
  /**
   * Committed blocks read back whole, by height and hash (hex), in the order asked: undefined for
   * one that is not on disk, or whose record fails its checksum or does not decode to a block of
   * that height.
   */
  | Ask<{ readonly type: 'get-blocks'; readonly refs: ReadonlyArray<{ readonly height: number; readonly key: string }> }, ReadonlyArray<SignedConsensusBlock | undefined>>;

export const storageActorName = 'storage';
const enc = new TextEncoder();
const dec = new TextDecoder();
const heightKey = (h: number, hash: string) => `chain/h/${String(h).padStart(12, '0')}/${hash}`;

export function storageActor(storage: StorageIO, bugs: BugSwitches): ActorSpec<StorageMsg> {
  return actor<StorageMsg>({
    name: storageActorName,
    create: () => {
      let heldBatch: Array<{ type: 'put'; key: string; value: Uint8Array }> | undefined;
      return {
        handlers: {
          'put-block': async (m) => {
            const hash = toHex(m.hash);
            // The planted bug writes without waiting for the disk: a crash then loses committed blocks.
            const sync = !bugs.has('chain-unsynced-commit');
            await storage.write([{ type: 'put', key: heightKey(m.block.message.height, hash), value: encodeBlock(m.block) }], { sync });
          },
          'put-blocks': async (m) => {
            const ops = m.blocks.map((b) => ({ type: 'put' as const, key: heightKey(b.block.message.height, toHex(b.hash)), value: encodeBlock(b.block) }));
            if (bugs.has('sync-checkpoint-before-persist')) {
              // Planted bug (a group commit gone wrong): a sync batch is acknowledged at once and written
              // with the next one, so the finality its proofs bring is recorded before its blocks are.
              const previous = heldBatch;
              heldBatch = ops;
              if (previous !== undefined) await storage.write(previous, { sync: true });
              return;
            }
            await storage.write(ops, { sync: !bugs.has('chain-unsynced-commit') });
          },
          'set-finalized': async (m) => {
            const value = enc.encode(JSON.stringify({ hash: toHex(m.hash), height: m.height }));
            await storage.write([{ type: 'put', key: 'chain/finalized', value }], { sync: true });
          },
          'get-blocks': async (m) => {
            const out: Array<SignedConsensusBlock | undefined> = [];
            for (const r of m.refs) {
              const bytes = await storage.get(heightKey(r.height, r.key));
              out.push(bytes === undefined ? undefined : blockIfIntact(bytes, r.height));
            }
            return out;
          },
          load: async () => {
            const rows = await storage.scan('chain/h/');
            const blocks = rows.map(([, v]) => decodeBlock(v));
            const f = await storage.get('chain/finalized');
            const finalized = f === undefined ? undefined : (JSON.parse(dec.decode(f)) as { hash: string; height: number });
            return { blocks, finalized };
          },
        },
      };
    },
  });
}

// The storage layer's checksum covers each record's key and value (src/io/checksummed-storage.ts):
// a flipped bit or a value written under another key reads as absent. The height is checked as
// well; the block's hash is not recomputed, which would cost a full SSZ hash per block served.
function blockIfIntact(bytes: Uint8Array, height: number): SignedConsensusBlock | undefined {
  try {
    const b = decodeBlock(bytes);
    return b.message.height === height ? b : undefined;
  } catch {
    return undefined;
  }
}
