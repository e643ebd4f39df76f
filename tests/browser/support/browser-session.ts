/**
 * One browser test file's world: the static server (with or without the isolation headers),
 * headless Chromium, and helpers to open pages and call the harness.
 */
import type { Browser, Page } from 'playwright-core';
import { EXAMPLE_DIR } from '../../../examples/browser/build.js';
import { launchChromium } from '../../../examples/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../examples/browser/server.js';
import type { Harness } from '../fixtures/src/harness-api.js';
import { ATOMICS_WAIT_SPY } from './atomics-wait-spy.js';
import { FIXTURES_DIR } from './bundles.js';

export interface BrowserSession {
  readonly server: StaticServer;
  readonly browser: Browser;
  /** Opens `path` on the server; fails the test on any uncaught page error. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startBrowserSession(options: { crossOriginIsolated: boolean }): Promise<BrowserSession> {
  const server = await startStaticServer({
    mounts: { '/': EXAMPLE_DIR, '/harness/': FIXTURES_DIR },
    crossOriginIsolated: options.crossOriginIsolated,
  });
  const browser = await launchChromium();
  const context = await browser.newContext();
  await context.addInitScript(ATOMICS_WAIT_SPY);
  return {
    server,
    browser,
    async open(path) {
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error(`page error on ${path}:`, error));
      page.on('console', (message) => {
        if (message.type() === 'error') console.error(`console.error on ${path}: ${message.text()}`);
      });
      await page.goto(new URL(path, server.url).href);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens the harness page and waits for `window.harness`. */
export async function openHarness(session: BrowserSession): Promise<Page> {
  const page = await session.open('/harness/harness.html');
  await page.waitForFunction(() => document.body.dataset['state'] === 'ready');
  return page;
}

type HarnessMethod = keyof Harness;

/** Calls `window.harness[name](...args)` in the page and returns its (JSON) answer. */
export async function callHarness<N extends HarnessMethod>(
  page: Page,
  name: N,
  ...args: Parameters<Harness[N]>
): Promise<Awaited<ReturnType<Harness[N]>>> {
  return page.evaluate(
    ([method, callArgs]) => (window.harness[method] as (...a: unknown[]) => unknown)(...callArgs),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<Harness[N]>>>;
}
