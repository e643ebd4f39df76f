/**
 * Bundles the example page, its worker and the test harness page with esbuild, from the packages'
 * built dist/. Runs once per test run as the browser project's globalSetup, after the root
 * globalSetup's `tsc -b`.
 */
import { fileURLToPath } from 'node:url';
import { buildBrowserExample, bundleForBrowser } from '../../../examples/browser/build.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export async function buildBrowserBundles(): Promise<void> {
  await buildBrowserExample();
  await bundleForBrowser({ harness: `${FIXTURES_DIR}src/harness.ts` }, `${FIXTURES_DIR}dist`);
}

export default buildBrowserBundles;
