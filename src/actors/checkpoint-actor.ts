// CheckpointActor: persists what a restart needs to resume sync (height and hash of the last block
// executed and persisted) every N blocks, and on start finds the newest checkpoint whose checksum
// holds, skipping torn or corrupted ones. Sync then resumes there, never from genesis again.
import type { StorageIO } from '../io/storage.ts';
import { type ActorSpec, actor } from '../kernel/actor.ts';
import type { Ask } from '../kernel/message.ts';
import { type Checkpoint, checkpointKey, encodeCheckpoint, latestValid } from '../sync/checkpoint.ts';

export type CheckpointMsg =
  | Ask<{ readonly type: 'save'; readonly checkpoint: Checkpoint }, void>
  | Ask<{ readonly type: 'latest' }, Checkpoint | undefined>;

export const checkpointActorName = 'checkpoint';

export function checkpointActor(storage: StorageIO): ActorSpec<CheckpointMsg> {
  return actor<CheckpointMsg>({
    name: checkpointActorName,
    create: () => ({
      handlers: {
        save: async (m) => {
          await storage.write([{ type: 'put', key: checkpointKey(m.checkpoint.height), value: encodeCheckpoint(m.checkpoint) }], { sync: true });
        },
        latest: async () => latestValid(await storage.scan('sync/checkpoint/')),
      },
    }),
  });
}
