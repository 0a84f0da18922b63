import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core machines: a few forks keep server-spawning suites from starving each other
    pool: 'forks',
    maxWorkers: 2,
  },
});
