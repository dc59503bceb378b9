import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'runtime/test/**/*.test.ts'],
    // Load, restart and soak tests need the machine to themselves: `npm run test:reliability`.
    exclude: [...configDefaults.exclude, 'test/reliability/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: integration tests start servers and compilers; keep parallelism modest.
    maxWorkers: 2,
    // The test files' processes share one cgroup, where a worker thread at the runtime's default nice
    // (10) yields the core to every other test process, not only to its own event loop as in a pod;
    // with the machine busy its batches then take ~200 ms and a burst meant to fill the queue (429)
    // is refused on its budget (503). The tests of the nice value set it themselves; the container
    // test and the reliability suite (one file at a time) run the default.
    // ORT_DISABLE_TELEMETRY: tests that open onnxruntime sessions themselves (not through the
    // runtime, which opts out) would otherwise turn on its telemetry on a developer's machine: events
    // to Microsoft and a device id in ~/.cache (onnxruntime stays quiet only where CI=true or similar
    // is set). runtime/test/ort-telemetry.test.ts unsets it for its own children.
    env: { MLSERVICE_INFERENCE_NICE: '0', ORT_DISABLE_TELEMETRY: '1' },
    // One temp root per run (TMPDIR), removed at the end: support/temp-root.ts.
    globalSetup: ['test/support/temp-root.ts'],
  },
});
