import { defineConfig } from 'vitest/config';

// Code that runs inside worker threads is not transformed by vitest, so every test run starts
// from a fresh `tsc -b` build (tests/setup/build.ts) and workers load the built dist/*.js.
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
    ],
  },
});
