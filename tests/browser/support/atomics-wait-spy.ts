/**
 * An init script for the page's main thread, run before any page script (so before the core can
 * take a reference to `Atomics.wait`): it wraps `Atomics.wait` to record every call with its stack,
 * then behaves as before (on a browser main thread that means throwing). Workers have their own
 * `Atomics` and are not affected: sleeping there is allowed.
 */
import { ATOMICS_WAIT_CALLS } from '../fixtures/src/harness-api.js';

export const ATOMICS_WAIT_SPY = `(() => {
  const calls = [];
  const original = Atomics.wait;
  globalThis[${JSON.stringify(ATOMICS_WAIT_CALLS)}] = calls;
  Atomics.wait = function wait(...args) {
    calls.push(new Error('Atomics.wait called on the main thread').stack);
    return original.apply(this, args);
  };
})();`;
