// A node started by the harness with a log file that cannot be opened is refused at once, with the
// path and the reason, before any process starts (it used to die later on an unhandled stream error).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../harness/alys-node.ts';
import { tempDir } from '../../harness/temp-dirs.ts';

describe('startNodeProcess with a log file', () => {
  it('refuses a log file it cannot open, naming it', async () => {
    const dir = tempDir('alys-log-');
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const logFile = join(blocker, 'logs', 'node.log');
    await expect(startNodeProcess(join(dir, 'no-config.json'), undefined, { logFile })).rejects.toThrow(`node log ${logFile}: ENOTDIR`);
  });
});
