// Vitest runs each test file in a worker that it ends without a normal exit, so the harness's
// exit hook (harness/temp-dirs.ts) never fires there: every test file removes the temporary
// directories it made once its own hooks have stopped the processes using them (after-hooks run in
// reverse order, and this one is registered first).
import { afterAll } from 'vitest';
import { removeTempDirs } from '../../harness/temp-dirs.ts';

afterAll(() => removeTempDirs());
