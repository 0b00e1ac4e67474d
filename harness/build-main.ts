// `npm run harness:build`: builds (or finds, cached) Geth, btcd and toxiproxy-server before the real-IO suite, so a
// build failure is reported as one clear error instead of inside a test's setup.
import { HarnessError, ensureBinaries, ensurePromtool } from './build.ts';

try {
  const paths = ensureBinaries((l) => process.stdout.write(`${l}\n`));
  process.stdout.write(`harness: geth ${paths.geth}\nharness: btcd ${paths.btcd}\nharness: toxiproxy-server ${paths['toxiproxy-server']}\n`);
  process.stdout.write(`harness: ${ensurePromtool((l) => process.stdout.write(`${l}\n`))}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof HarnessError ? err.message : String(err)}\n`);
  process.exit(1);
}
