/**
 * Builds the example and serves it on http://127.0.0.1:8080/ (PORT to change), with the
 * isolation headers. `--without-isolation-headers` serves the same page without them, to see the
 * error a page gets then.
 *
 *     pnpm example:browser
 */
import { EXAMPLE_DIR, buildBrowserExample } from './build.js';
import { startStaticServer } from './server.js';

const isolated = !process.argv.includes('--without-isolation-headers');
await buildBrowserExample();
const server = await startStaticServer({ mounts: { '/': EXAMPLE_DIR }, port: Number(process.env['PORT'] ?? 8080), crossOriginIsolated: isolated });
console.log(`shardmap browser example at ${server.url} (${isolated ? 'with' : 'WITHOUT'} COOP/COEP headers); Ctrl-C stops it`);
