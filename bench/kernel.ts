// Entry for `npm run bench:kernel` without the CLI: same code as `alys bench kernel`.
import { benchKernel } from './kernel-bench.ts';

process.exitCode = await benchKernel(process.argv.slice(2));
