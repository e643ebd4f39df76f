/**
 * One map shared by the page and 4 Web Workers: exact concurrent counting, keys visible across
 * threads both ways, and growth of the buffer by one worker seen by the page and the others.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callHarness, openHarness, startBrowserSession, type BrowserSession } from './support/browser-session.js';
import { describeInChromium } from './support/chromium-gate.js';

const WORKERS = 4;

describeInChromium('a map shared by the page and 4 Web Workers', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await startBrowserSession({ crossOriginIsolated: true });
    page = await openHarness(session);
    await callHarness(page, 'start', WORKERS);
  });
  afterAll(async () => {
    if (page !== undefined) await callHarness(page, 'stop');
    await session?.close();
  });

  it("4 workers' concurrent add totals are exact", async () => {
    const { total, expected } = await callHarness(page, 'concurrentAdds', 50_000);
    expect(expected).toBe(200_000);
    expect(total).toBe(expected);
  });

  it('a key set by the main thread is read by every worker, and vice versa', async () => {
    const result = await callHarness(page, 'crossThreadVisibility');
    expect(result.workersReadPageKeys).toHaveLength(WORKERS);
    for (const reads of result.workersReadPageKeys) expect(reads).toEqual(result.expectedPageValues);
    expect(result.pageReadWorkerKeys).toEqual(result.expectedWorkerValues);
    for (const reads of result.workersReadWorkerKeys) expect(reads).toEqual(result.expectedWorkerValues);
  });

  it('growth of the buffer by one worker is seen by the page and the others', async () => {
    const result = await callHarness(page, 'growth', 20_000, 100);
    // The grower's writes made the table and the committed buffer larger ...
    expect(result.pageAfter.capacity).toBeGreaterThan(result.pageBefore.capacity);
    expect(result.pageAfter.bufferBytes).toBeGreaterThan(result.pageBefore.bufferBytes);
    expect(result.pageAfter.bytesUsed).toBeGreaterThan(result.pageBefore.bytesUsed + 20_000 * 100);
    // ... every other thread sees the same sizes ...
    for (const other of result.othersAfter) {
      expect(other.capacity).toBe(result.pageAfter.capacity);
      expect(other.bufferBytes).toBe(result.pageAfter.bufferBytes);
      expect(other.size).toBe(result.pageAfter.size);
    }
    // ... and every entry, including those that live in the grown part.
    expect(result.pageFound).toBe(result.count);
    expect(result.othersFound).toEqual(Array(WORKERS - 1).fill(result.count));
  });
});
