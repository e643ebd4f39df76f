import { defineConfig } from 'vitest/config';

// Code that runs inside worker threads is not transformed by vitest, so every test run starts
// from a fresh build (tests/setup/build.ts: `tsc -b`, then core's rollup bundle) and workers load dist.
export default defineConfig({
  test: {
    globalSetup: ['./tests/setup/build.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'tests/browser/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The multi-worker core tests again, with every map in mode 'syncmap' (tests/helpers/modes.ts).
        extends: true,
        test: {
          name: 'node-syncmap',
          include: ['tests/core-*.test.ts'],
          env: { SHARDMAP_TEST_MODE: 'syncmap' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core against the
        // example's own static server, rather than vitest's browser mode: this tests the page and
        // server users run, with the COOP/COEP headers switched on and off per server, and the
        // worker scripts load as plain bundles with nothing of vitest's in between.
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // Bundles the example and the harness after the root globalSetup's build.
          globalSetup: ['./tests/browser/support/bundles.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One file at a time, after the node project: each file runs Chromium and 4 workers,
          // and on 2 cores they should not compete with each other or the multi-worker tests.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
