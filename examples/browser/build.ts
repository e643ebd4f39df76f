/**
 * Bundles browser entry points with esbuild.
 *
 * Browsers cannot resolve bare specifiers like `@shardmap/core` or `comlink`, so each page and
 * worker script becomes one self-contained ES module. The bundles are made from the packages'
 * built `dist/` (what `pnpm install` produces), not from their sources, so the browser runs the
 * same JavaScript Node does. The example directory is outside the pnpm workspace, so the
 * `@shardmap/*` specifiers are pointed at the packages explicitly (of the harness, only its mixed
 * workload, whose modules import nothing of Node's); everything they import in turn
 * (comlink, cbor-x) resolves from the packages' own node_modules as usual.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where the example's bundles go, served as `/dist/…` next to index.html. */
export const EXAMPLE_DIR = fileURLToPath(new URL('.', import.meta.url));
export const EXAMPLE_OUT_DIR = fileURLToPath(new URL('./dist', import.meta.url));

const PACKAGE_ALIASES: Readonly<Record<string, string>> = {
  '@shardmap/core': `${repoRoot}packages/core/dist/index.js`,
  '@shardmap/workers/browser': `${repoRoot}packages/workers/dist/comlink/browser.js`,
  '@shardmap/harness/mixed-workload': `${repoRoot}packages/harness/dist/mixed-workload.js`,
};

/**
 * Bundles `entryPoints` (output name → source file) into `outdir` as ES modules.
 * Chrome 111 is the first with growable SharedArrayBuffer, which the map's buffer needs.
 */
export async function bundleForBrowser(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox128', 'safari16.4'],
    sourcemap: true,
    alias: PACKAGE_ALIASES,
    logLevel: 'warning',
  });
}

/** Builds the example page's script and its worker script into examples/browser/dist/. */
export async function buildBrowserExample(): Promise<void> {
  await bundleForBrowser(
    { main: `${EXAMPLE_DIR}src/main.ts`, worker: `${EXAMPLE_DIR}src/worker.ts` },
    EXAMPLE_OUT_DIR,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBrowserExample();
  console.log(`built ${EXAMPLE_OUT_DIR}`);
}
