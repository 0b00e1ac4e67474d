// `alys replay DIR [--json] [--key-file F]`: runs the node recorded in DIR (`alys node --record DIR`)
// again on the deterministic scheduler, against the recorded inputs, and says whether every output
// was the same. Exit status 0 when it matches, 1 at the first divergence (printed with both
// versions), 2 for a recording that cannot be read (one line naming the file and the offset).
import { UsageError, parseStrict } from './errors.ts';

const usage = 'alys replay <dir> [--json] [--key-file <authority key file>]';

export async function replayCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseStrict(argv, { json: { type: 'boolean' }, 'key-file': { type: 'string' } }, usage, { operands: true });
  const [dir, ...rest] = positionals;
  if (dir === undefined || rest.length > 0) throw new UsageError(`usage: ${usage}`);
  const { readRecording } = await import('../io/prod/record/journal-reader.ts');
  const { JournalFormatError } = await import('../io/record/journal.ts');
  const { decodeValue } = await import('../io/record/value-codec.ts');
  const { parseRecordingHeader } = await import('../node/recording-header.ts');
  const { replayRecording } = await import('../io/replay/replay-node.ts');
  let entries;
  let header;
  try {
    entries = readRecording(dir);
    const first = entries[0];
    header = parseRecordingHeader(first?.k === 'head' ? decodeValue(first.node) : undefined);
  } catch (err) {
    if (err instanceof JournalFormatError) throw new UsageError(err.message);
    if (err instanceof Error) throw new UsageError(`${dir}: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const keyFile = values['key-file'] ?? header.config.authorityKeyFile;
  let key;
  if (keyFile !== undefined) {
    const { readAuthorityKey } = await import('../io/prod/node-runtime.ts');
    try {
      key = readAuthorityKey(keyFile);
    } catch (err) {
      throw new UsageError(`the recorded node's authority key (give it with --key-file): ${(err as Error).message}`);
    }
  }
  const outcome = await replayRecording(entries, header, key);
  const { codeFingerprint } = await import('../io/prod/record/code-fingerprint.ts');
  // A recording made by other code may diverge where that code differs, not where the run went wrong.
  const code = { recordedBy: header.code ?? null, replayedBy: codeFingerprint() };
  const sameCode = code.recordedBy === code.replayedBy;
  const report = { recording: dir, ...outcome, code: { ...code, same: sameCode }, reproduce: `alys replay ${dir}` };
  const codeNote = sameCode ? '' : `\n  note: recorded by ${code.recordedBy ?? 'code older than code fingerprints'}, replayed by ${code.replayedBy}: a divergence may come from the change`;
  if (values.json === true) print(JSON.stringify(report));
  else if (outcome.matches) print(`replay of ${dir}: matches: ${outcome.entries} entries, ${outcome.events} events${outcome.complete ? '' : ' (the recording ends where the node was killed)'}`);
  else print(`replay of ${dir}: DIVERGES at entry ${outcome.divergence?.entry} (event ${outcome.divergence?.n}):\n  recorded: ${JSON.stringify(outcome.divergence?.recorded)}\n  replayed: ${JSON.stringify(outcome.divergence?.replayed)}${codeNote}`);
  return outcome.matches ? 0 : 1;
}
