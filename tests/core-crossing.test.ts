/**
 * "Every shape a map holds must survive crossing threads": keys of every shape set in the test
 * thread are found in workers (hash seed and codecs identical everywhere), and tuple keys built
 * in the workers are found back here.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { runWorkers } from './helpers/workers.js';

const KEYS: unknown[] = [
  0, -0.5, NaN, 2 ** 53, -Infinity, '', '0', 'é😀'.repeat(100), '\uD800', 0n, -(2n ** 70n), true, false, null, undefined,
  new Uint8Array([]), new Uint8Array([0, 255, 7]), [1, '1', 1n], [[[]]], [new Uint8Array([1]), [NaN, 'x']],
];

describe('crossing threads', () => {
  it("'any' keys of every shape are found in 4 workers, and the workers' keys are found here", async () => {
    const m = createTestMap<any, any>({ capacity: 1 });
    const pairs = KEYS.map((k, i) => [k, { i, tag: `v${i}` }] as const);
    for (const [k, v] of pairs) m.set(k, v);
    const workers = 4;
    const results = await runWorkers<{ size: number }>('crossing.mjs', Array.from({ length: workers }, () => ({ handle: m.handle, pairs, addOwn: true })));
    expect(results.length).toBe(workers);
    expect(m.size).toBe(KEYS.length * (1 + workers));
    for (let w = 0; w < workers; w++) KEYS.forEach((k, i) => expect(m.get([k, 'from worker', w]), `worker ${w} key ${i}`).toBe(i));
  });

  for (const [keys, sample] of [
    ['string', ['', 'a', '\uDC00', 'ключ'.repeat(50)]],
    ['number', [0, NaN, 1.5, -1e300]],
    ['int32', [0, -1, 2 ** 31 - 1, -(2 ** 31)]],
    ['bigint', [0n, -1n, 2n ** 62n]],
    ['bytes', [new Uint8Array(0), new Uint8Array([1, 2, 3])]],
  ] as const) {
    it(`'${keys}' keys are found in a worker`, async () => {
      const m = createTestMap<any, any>({ keys: keys as any, values: 'json' });
      const pairs = (sample as readonly unknown[]).map((k, i) => [k, { i }] as const);
      for (const [k, v] of pairs) m.set(k, v);
      const [res] = await runWorkers<{ size: number }>('crossing.mjs', [{ handle: m.handle, pairs, addOwn: false }]);
      expect(res!.size).toBe(pairs.length);
    });
  }
});
