// The signer's memory on disk. A restarted governance server must know every output it already
// signed a spend of, or it could sign a conflicting one: so save() writes a temporary file, fsyncs
// it, renames it over the old state and fsyncs the directory before it returns, and the signer
// releases a signature only after that. A crash leaves either the old state or the new, whole.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SignedState, SignedStore } from '../../../governance/signer.ts';

const record = z.record(z.string(), z.string());
const stateSchema = z.object({
  spentBy: record,
  paidBy: record,
  signedTx: record,
  pegOuts: z.record(z.string(), z.object({ destination: z.string(), amountSats: z.string().regex(/^\d+$/), burnTxHash: z.string() })),
  voided: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

export class FileSignedStore implements SignedStore {
  constructor(readonly path: string) {}

  /** The saved state, or undefined for a new server. A corrupt file throws: signing blind is worse. */
  load(): SignedState | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = stateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`governance state ${this.path} is corrupt: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  save(state: SignedState): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    // The rename itself is durable only once the directory entry is flushed.
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
