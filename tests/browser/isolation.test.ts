/**
 * Cross-origin isolation: with COOP/COEP on the page and the worker scripts, the page and every
 * worker are `crossOriginIsolated`; the same example page served without them shows the core's
 * explanatory error naming both headers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callHarness, openHarness, startBrowserSession, type BrowserSession } from './support/browser-session.js';
import { describeInChromium } from './support/chromium-gate.js';

describeInChromium('served with COOP/COEP', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession({ crossOriginIsolated: true });
  });
  afterAll(async () => session?.close());

  it('the page and its 4 workers are crossOriginIsolated', async () => {
    const page = await openHarness(session);
    expect(await callHarness(page, 'crossOriginIsolated')).toBe(true);
    await callHarness(page, 'start', 4);
    expect(await callHarness(page, 'workersIsolated')).toEqual([true, true, true, true]);
    await callHarness(page, 'stop');
  });
});

describeInChromium('served without COOP/COEP', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession({ crossOriginIsolated: false });
  });
  afterAll(async () => session?.close());

  it('the example page shows the error naming both headers', async () => {
    const page = await session.open('/?autostart=0');
    await page.waitForFunction(() => document.body.dataset['state'] !== 'loading');
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    expect(await page.evaluate(() => document.body.dataset['state'])).toBe('error');
    const message = await page.locator('#error pre').textContent();
    expect(message).toContain('Cross-Origin-Opener-Policy');
    expect(message).toContain('same-origin');
    expect(message).toContain('Cross-Origin-Embedder-Policy');
    expect(message).toContain('require-corp');
    expect(await page.locator('#error').isVisible()).toBe(true);
  });
});
