// Entry for the sync benchmark without the CLI: same code as `alys bench sync`.
import { benchSync } from './sync-bench.ts';

process.exitCode = await benchSync(process.argv.slice(2));
