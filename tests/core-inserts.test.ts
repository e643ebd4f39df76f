/**
 * Concurrent inserts of disjoint string keys from 4 workers into a map that starts tiny, so
 * that shard tables and the buffer grow while other threads write. Afterwards every key must
 * come back intact from entries(), keys() and snapshot() (not just from get), exactly once.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { runWorkers } from './helpers/workers.js';

async function insertRound(options: object, workers: number, n: number) {
  const m = createTestMap<string, number>({ keys: 'string', values: 'number', capacity: 1, ...options });
  await runWorkers('inserts.mjs', Array.from({ length: workers }, () => ({ handle: m.handle, n })));
  const expected = new Map<string, number>();
  for (let w = 0; w < workers; w++) for (let i = 0; i < n; i++) if (!(i < n - 50 && i % 5 === 0)) expected.set(`w${w}:${i}`, i);
  expect(m.size).toBe(expected.size);
  const walks: Record<string, [string, number][]> = {
    entries: [...m.entries()],
    snapshot: [...m.snapshot()],
    keys: [...m.keys()].map((k) => [k, expected.get(k)!] as [string, number]),
  };
  for (const [name, list] of Object.entries(walks)) {
    const bad = list.filter(([k, v]) => expected.get(k) !== v).slice(0, 3);
    expect(bad.map(([k, v]) => `${JSON.stringify(k)} -> ${v}`), `${name}: entries that were never stored`).toEqual([]);
    expect(new Set(list.map(([k]) => k)).size, `${name}: count of distinct keys`).toBe(expected.size);
  }
}

describe('concurrent growth with string keys', () => {
  for (const shards of [2, 16]) {
    it(`4 workers x 20,000 disjoint keys, ${shards} shards, 3 rounds`, async () => {
      for (let round = 0; round < 3; round++) await insertRound({ shards }, 4, 20_000);
    });
  }
});
