import { defineConfig } from 'vitest/config';

const CHROMIUM_TESTS = 'test/**/*.chromium.test.ts';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [CHROMIUM_TESTS], maxWorkers: 2 },
      },
      {
        // Each Chromium suite starts its own browsers: on 2 cores they run one file at a time.
        extends: true,
        test: {
          name: 'chromium',
          include: [CHROMIUM_TESTS],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
