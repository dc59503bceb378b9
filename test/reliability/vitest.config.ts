import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: restarts, soak, failing models, mutated configs and killed syncs.
 * One file at a time: the load tests measure what the machine sustains and must not share it with
 * each other. Bounded by default; MLGEN_RELIABILITY_LONG=1 runs the long versions (about 30 min).
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
  },
});
