// Reads a recording written by JournalWriter: every segment, in order, each line an entry. A missing
// segment, a line that is not an entry (corrupt or truncated) or a recording without its header is
// one line naming the file and the byte offset.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type JournalEntry, JournalFormatError, parseEntry } from '../../record/journal.ts';
import { segmentName } from './journal-writer.ts';

export function readRecording(dir: string): JournalEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^journal-\d{6}\.ndjson$/.test(f)).sort();
  } catch (err) {
    throw new JournalFormatError(dir, 0, `cannot read the recording (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (names.length === 0) throw new JournalFormatError(dir, 0, 'holds no recording (no journal-000001.ndjson)');
  const entries: JournalEntry[] = [];
  names.forEach((name, i) => {
    const file = join(dir, name);
    if (name !== segmentName(i + 1)) throw new JournalFormatError(join(dir, segmentName(i + 1)), 0, 'is missing: the recording is not whole');
    const text = readFileSync(file, 'utf8');
    let offset = 0;
    while (offset < text.length) {
      const nl = text.indexOf('\n', offset);
      if (nl < 0) throw new JournalFormatError(file, offset, 'ends in the middle of an entry (truncated)');
      entries.push(parseEntry(text.slice(offset, nl), file, offset));
      offset = nl + 1;
    }
  });
  if (entries[0]?.k !== 'head') throw new JournalFormatError(join(dir, segmentName(1)), 0, 'does not start with the header');
  return entries;
}
