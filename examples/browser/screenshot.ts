/**
 * Takes docs/browser.png: serves the example with the isolation headers, runs it in headless
 * Chromium with 4 workers and photographs the finished, verified page.
 *
 *     pnpm exec tsx examples/browser/screenshot.ts    # after build.ts
 */
import { fileURLToPath } from 'node:url';
import { EXAMPLE_DIR } from './build.js';
import { launchChromium } from './chromium.js';
import { startStaticServer } from './server.js';

const OUTPUT = fileURLToPath(new URL('../../docs/browser.png', import.meta.url));

const server = await startStaticServer({ mounts: { '/': EXAMPLE_DIR } });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 720 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}?workers=4&seconds=4`);
  await page.waitForFunction(() => ['done', 'failed', 'error'].includes(document.body.dataset['state'] ?? ''), undefined, { timeout: 60_000 });
  await page.screenshot({ path: OUTPUT, fullPage: true });
  console.log(`state: ${await page.evaluate(() => document.body.dataset['state'])}; wrote ${OUTPUT}`);
} finally {
  await browser.close();
  await server.close();
}
