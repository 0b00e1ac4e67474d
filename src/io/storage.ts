// Durable key/value storage as a node sees it. A write is durable only once a synced write (or a
// sync()) covering it has completed: the simulation loses everything else on a crash, exactly as a
// real disk may. Batches are atomic unless the simulation is told to tear them.
export type BatchOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string };

export interface WriteOptions {
  /** Wait until the batch (and everything before it) is on stable storage. */
  readonly sync: boolean;
}

export interface StorageIO {
  get(key: string): Promise<Uint8Array | undefined>;
  write(ops: readonly BatchOp[], options: WriteOptions): Promise<void>;
  /** Entries whose key starts with prefix, in ascending key order. */
  scan(prefix: string): Promise<Array<readonly [string, Uint8Array]>>;
  /** Makes every earlier write durable. */
  sync(): Promise<void>;
}
