import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: mutated configs, killed syncs, failing models, rolling restarts,
 * overload and soak. One file at a time in one process: the load tests measure what the machine
 * sustains and must not share it with each other, and one process builds the runtime once for
 * every file (`isolate: false` keeps testkit/service-project's build between files).
 * Bounded by default; MLGEN_RELIABILITY_LONG=1 runs the long versions (about 30 min).
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    // As in the main suite: no onnxruntime telemetry from sessions the tests open themselves.
    env: { ORT_DISABLE_TELEMETRY: '1' },
    // One temp root per run (TMPDIR), removed at the end; it names what a test left: support/temp-root.ts.
    globalSetup: ['test/support/temp-root.ts'],
  },
});
