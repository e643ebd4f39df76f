/**
 * The example page end to end: 4 workers and the main thread run the self-checking workload on
 * one map for 2 s; the page must finish with its verification passed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBrowserSession, type BrowserSession } from './support/browser-session.js';
import { describeInChromium } from './support/chromium-gate.js';

/** The part of the page's `window.shardmapDemoResult` (examples/browser/src/run.ts) checked here. */
interface DemoResultSeen {
  verified: boolean;
  problems: string[];
  workersIsolated: boolean[];
  participants: { owner: string; ops: number }[];
}

describeInChromium('the example page', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession({ crossOriginIsolated: true });
  });
  afterAll(async () => session?.close());

  it('runs 4 workers and the main thread on one map and verifies the result', async () => {
    const page = await session.open('/?workers=4&seconds=2');
    await page.waitForFunction(() => ['done', 'failed', 'error'].includes(document.body.dataset['state'] ?? ''), undefined, {
      timeout: 30_000,
    });
    const result = await page.evaluate(() => (window as unknown as { shardmapDemoResult?: DemoResultSeen }).shardmapDemoResult);
    const state = await page.evaluate(() => document.body.dataset['state']);
    expect(result?.problems ?? [await page.locator('#error pre').textContent()]).toEqual([]);
    expect(state).toBe('done');
    expect(result?.verified).toBe(true);
    expect(result?.workersIsolated).toEqual([true, true, true, true]);
    const ops = Object.fromEntries((result?.participants ?? []).map((p) => [p.owner, p.ops]));
    expect(Object.keys(ops)).toEqual(['w0', 'w1', 'w2', 'w3', 'main']);
    for (const count of Object.values(ops)) expect(count).toBeGreaterThan(0);
    expect(await page.locator('#verification').textContent()).toContain('Verified');
  });
});
