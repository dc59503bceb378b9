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
    // One temp root per run (TMPDIR), removed at the end: support/temp-root.ts.
    globalSetup: ['test/support/temp-root.ts'],
  },
});
