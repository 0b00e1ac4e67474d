// Writes a recording: NDJSON entries in numbered segment files (journal-000001.ndjson, …). Each entry
// is written with one synchronous write, so a node killed with SIGKILL leaves whole lines, and the
// recording replays up to the moment it died. Bounded: a segment rolls over at `segmentBytes`, and
// when the segments reach `maxBytes` the recording stops (a replay needs its beginning), saying so.
import { closeSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry } from '../../record/journal.ts';

export interface JournalSink {
  /** `entry` is built only when the recording still runs; a failure to build or write it stops the recording, never the node. */
  write(entry: JournalEntry | (() => JournalEntry)): void;
}

export interface JournalWriterOptions {
  readonly segmentBytes?: number;
  readonly maxBytes?: number;
  /** Told once when the bound stops the recording. */
  readonly onFull?: (line: string) => void;
}

export const segmentName = (i: number): string => `journal-${String(i).padStart(6, '0')}.ndjson`;

export class JournalWriter implements JournalSink {
  private fd: number | undefined;
  private segment = 0;
  private segmentWritten = 0;
  private total = 0;
  private full = false;
  private readonly segmentBytes: number;
  private readonly maxBytes: number;

  constructor(
    readonly dir: string,
    private readonly o: JournalWriterOptions = {},
  ) {
    this.segmentBytes = o.segmentBytes ?? 64 * 1024 * 1024;
    this.maxBytes = o.maxBytes ?? 1024 * 1024 * 1024;
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).some((f) => /^journal-\d{6}\.ndjson$/.test(f))) throw new Error(`--record ${dir}: already holds a recording; give an empty directory`);
    this.roll();
  }

  write(entry: JournalEntry | (() => JournalEntry)): void {
    if (this.full || this.fd === undefined) return;
    let line: string;
    try {
      line = `${JSON.stringify(typeof entry === 'function' ? entry() : entry)}\n`;
    } catch (err) {
      this.stop(`record: ${this.dir}: cannot record an entry (${(err as Error).message}); recording stopped (the node goes on)`);
      return;
    }
    const bytes = Buffer.byteLength(line);
    if (this.total + bytes > this.maxBytes) {
      this.stop(`record: ${this.dir} reached its bound of ${this.maxBytes} bytes; recording stopped (the node goes on)`);
      return;
    }
    try {
      if (this.segmentWritten > 0 && this.segmentWritten + bytes > this.segmentBytes) this.roll();
      writeSync(this.fd as number, line);
    } catch (err) {
      this.stop(`record: ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; recording stopped (the node goes on)`);
      return;
    }
    this.segmentWritten += bytes;
    this.total += bytes;
  }

  private stop(line: string): void {
    this.full = true;
    this.o.onFull?.(line);
    this.close();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private roll(): void {
    this.close();
    this.segment++;
    this.segmentWritten = 0;
    this.fd = openSync(join(this.dir, segmentName(this.segment)), 'wx');
  }
}
