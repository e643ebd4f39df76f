/**
 * The browser main thread must never block: `Atomics.wait` throws there, and a page that waits
 * would freeze anyway. The tests' init script wraps the main thread's `Atomics.wait` before any
 * page script runs; the main thread then writes the key 4 workers are hammering, and every write
 * must complete, exactly, with the wrapper never called.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callHarness, openHarness, startBrowserSession, type BrowserSession } from './support/browser-session.js';
import { describeInChromium } from './support/chromium-gate.js';

describeInChromium('the main thread writing under contention', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await startBrowserSession({ crossOriginIsolated: true });
    page = await openHarness(session);
    await callHarness(page, 'start', 4);
  });
  afterAll(async () => {
    if (page !== undefined) await callHarness(page, 'stop');
    await session?.close();
  });

  it('never calls Atomics.wait, and every write lands', async () => {
    const result = await callHarness(page, 'mainWritesUnderContention', 200_000, 40_000);
    console.log(`FIGURE main-thread writes under contention: ${Math.round(result.mainWritesPerSecond)} ops/s`);
    expect(result.atomicsWaitCalls, result.atomicsWaitCalls.join('\n\n')).toEqual([]);
    expect(result.mainWrites).toBe(40_000);
    expect(result.total).toBe(result.expected);
    // The main thread really wrote while the workers did, and the locks were really fought over.
    expect(result.burstsDuringWorkers).toBeGreaterThan(0);
    expect(result.lockContended).toBeGreaterThan(0);
  });
});
