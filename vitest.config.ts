import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Chromium-heavy suites set their own `describe.sequential` and run alone via `--project` later;
    // on 2 cores two forks are what the machine holds.
    pool: 'forks',
    maxWorkers: 2,
  },
});
