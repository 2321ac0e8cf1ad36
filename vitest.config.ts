import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    // Cleans up each test's orgs and fails a test that leaves a handler or daemon behind.
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The integration files mostly wait on child processes (watchers, timers, handlers), so
    // more files than cores run at once; vitest's default on 2 cores would be one at a time.
    maxWorkers: 3,
    fileParallelism: true,
  },
});
