// Runs before `npm test` / `npm start` (pre-scripts): a fresh clone has no node_modules, and the
// Node 22 binary that every npm script needs comes from the `node@22` devDependency. This file must
// therefore run on whatever Node the machine has (20 here), using nothing but node: builtins.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const nodeBin = join(root, 'node_modules', 'node', 'bin', 'node');
if (!existsSync(marker) || !existsSync(nodeBin)) {
  process.stderr.write('alys: dependencies missing, running `npm ci` once\n');
  execSync(existsSync(join(root, 'package-lock.json')) ? 'npm ci' : 'npm install', { cwd: root, stdio: 'inherit' });
}
