import { defineConfig } from 'vitest/config';

const CHROMIUM_TESTS = 'test/**/*.chromium.test.ts';
const CHAOS_TESTS = 'test/chaos/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [CHROMIUM_TESTS, CHAOS_TESTS],
          maxWorkers: 2,
        },
      },
      {
        // Each Chromium suite starts its own browsers: on 2 cores they run one file at a time.
        extends: true,
        test: {
          name: 'chromium',
          include: [CHROMIUM_TESTS],
          exclude: [CHAOS_TESTS],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 60_000,
        },
      },
      {
        // The reliability suite (`npm run test:chaos`): kills and restarts real parts, one file at a time.
        extends: true,
        test: {
          name: 'chaos',
          include: [CHAOS_TESTS],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 120_000,
        },
      },
    ],
  },
});
