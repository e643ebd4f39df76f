/**
 * Go's TestConcurrentRange with 4 writer workers: concurrent walks (range, forEach, entries,
 * iterator, keys) never visit a key twice, always visit every key present for the whole walk,
 * and only see values the writers stored (v % k == 0). The nested variant calls into the map
 * from inside the walk callbacks while the writers run; a held lock would deadlock it.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { startWorkers, seedFor } from './helpers/workers.js';

const SIZE = 1 << 10;

async function concurrentRange(options: object, rangers: number, iters: number, nested: boolean) {
  const seed = seedFor();
  const m = createTestMap<number, number>(options);
  for (let n = 1; n <= SIZE; n++) m.set(n, n);
  const stop = new SharedArrayBuffer(4);
  const writers = 4;
  const datas = [
    ...Array.from({ length: writers }, (_, g) => ({ role: 'writer', handle: m.handle, stop, seed: seed + g, size: SIZE, g: g + 1 })),
    ...Array.from({ length: rangers }, (_, r) => ({ role: 'ranger', handle: m.handle, seed: seed + 100 + r, size: SIZE, iters, nested })),
  ];
  const started = startWorkers<{ rounds?: number; visits?: number }>('range.mjs', datas, 60_000);
  // Rangers are bounded by their walk count; writers run until every ranger is done.
  await Promise.all(started.each.slice(writers)).finally(() => Atomics.store(new Int32Array(stop), 0, 1));
  const results = await started.results.catch((e: Error) => {
    throw new Error(`seed ${seed}: ${e.message}`);
  });
  expect(results.slice(0, writers).every((r) => r.rounds! > 0), `seed ${seed}: a writer never ran`).toBe(true);
  for (let n = 1; n <= SIZE; n++) expect(m.get(n)! % n, `seed ${seed}: key ${n}`).toBe(0);
  for (const [k, v] of m) if (k > 0) expect(v % k).toBe(0);
  expect(m.size).toBe([...m.keys()].length);
}

describe("Go's TestConcurrentRange", () => {
  it('2 rangers x 300 walks against 4 writers', () => concurrentRange({ keys: 'int32', values: 'number' }, 2, 300, false));
  it("'any' keys and values, 1 ranger x 200 walks, 2 shards", () => concurrentRange({ shards: 2 }, 1, 200, false));
  it('nested calls from walk callbacks while 4 writers run', () => concurrentRange({ keys: 'int32', values: 'number' }, 2, 150, true));
});
