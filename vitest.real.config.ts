// The real-IO suite: tests that start real Geth, btcd and the governance server (npm run test:real).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    setupFiles: ['test/setup/remove-temp-dirs.ts'],
    fileParallelism: false,
  },
});
