import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real nginx, DuckDB files and Chromium; give them room
    // but never let one hang the suite.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // d3-composite-projections is ESM with extensionless imports inside, written for
    // bundlers (its "module" field, which esbuild reads for the site); Node cannot load
    // it, so Vite transforms it for the tests as it would for a browser.
    server: { deps: { inline: ['d3-composite-projections'] } },
  },
});
