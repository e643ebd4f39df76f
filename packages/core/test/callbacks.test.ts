/**
 * range/forEach callbacks and code between iterator steps may call any method of the map
 * (sync.Map's Range guarantee; the contract: "never hold a lock while user code runs"). Every
 * key present for the whole walk is visited exactly once; nothing is visited twice; clear()
 * from a callback ends the walk quietly. Runs in a worker (fixtures/callbacks.mjs): a lock held
 * across user code would self-deadlock, which the worker timeout turns into a failure.
 */
import { describe, expect, it } from 'vitest';
import { runFixture } from './helpers/worker.js';

describe('calls into the map from iteration callbacks', () => {
  for (const [keys, values] of [['any', 'any'], ['int32', 'int32'], ['number', 'number']]) {
    it(`keys ${keys}, values ${values}: range, forEach, entries, iterator, keys`, async () => {
      const out = await runFixture('callbacks.mjs', { keys, values });
      expect(out.error?.message, out.error?.stack).toBeUndefined();
      expect(Object.keys(out.results as object)).toEqual(['range', 'forEach', 'entries', 'iterator', 'keys']);
    });
  }
});
