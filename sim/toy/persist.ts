// How the toy replica keeps its Raft state on disk: one meta record (term, vote) and one record per
// log entry, written in one synced batch before anything that depends on them is sent.
import type { BatchOp, StorageIO } from '../../src/io/storage.ts';
import type { Entry, RaftState } from './raft.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const metaKey = 'raft/meta';
const logKey = (i: number): string => `raft/log/${String(i).padStart(10, '0')}`;

export async function persist(s: RaftState, storage: StorageIO, unsynced = false): Promise<void> {
  const ops: BatchOp[] = [];
  if (s.metaDirty) {
    ops.push({ type: 'put', key: metaKey, value: enc.encode(JSON.stringify({ term: s.term, votedFor: s.votedFor })) });
  }
  for (let i = s.dirtyFrom; i <= s.log.length; i++) {
    ops.push({ type: 'put', key: logKey(i), value: enc.encode(JSON.stringify(s.log[i - 1])) });
  }
  for (let i = s.log.length + 1; i <= s.persistedLength; i++) ops.push({ type: 'del', key: logKey(i) });
  if (ops.length === 0) return;
  // The planted bug toy-unsynced-log acknowledges what is only in the disk's cache.
  await storage.write(ops, { sync: !unsynced });
  s.metaDirty = false;
  s.dirtyFrom = s.log.length + 1;
  s.persistedLength = s.log.length;
}

/** Reads the state back; a log with a hole (a torn batch) is cut at the hole. */
export async function recover(s: RaftState, storage: StorageIO): Promise<void> {
  const meta = await storage.get(metaKey);
  if (meta !== undefined) {
    const m = JSON.parse(dec.decode(meta)) as { term: number; votedFor: string | null };
    s.term = m.term;
    s.votedFor = m.votedFor;
  }
  const entries = await storage.scan('raft/log/');
  const log: Entry[] = [];
  for (const [key, value] of entries) {
    if (key !== logKey(log.length + 1)) break;
    log.push(JSON.parse(dec.decode(value)) as Entry);
  }
  s.log = log;
  const last = entries[entries.length - 1];
  s.persistedLength = last === undefined ? 0 : Number(last[0].slice('raft/log/'.length));
  s.dirtyFrom = log.length + 1;
}
