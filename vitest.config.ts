import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real nginx, DuckDB files and Chromium; give them room
    // but never let one hang the suite.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
