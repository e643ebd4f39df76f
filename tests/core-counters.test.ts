/**
 * Concurrent add() and update() increments over a few hot keys from 4+ workers: the final value
 * of each key is exactly the number of increments made on it (a lost update would show as a
 * shortfall), and each worker sees its own results strictly increase.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { runWorkers, seedFor } from './helpers/workers.js';

const WORKERS = 4;
const OPS = 20_000;

async function hammer(options: object, how: string, keys: unknown[], workers = WORKERS) {
  const seed = seedFor();
  const m = createTestMap<any, any>(options);
  const datas = Array.from({ length: workers }, (_, i) => ({ handle: m.handle, seed: seed + i, ops: OPS, keys, how }));
  const results = await runWorkers<{ counts: number[] }>('counters.mjs', datas);
  keys.forEach((k, j) => {
    const total = results.reduce((s, r) => s + r.counts[j]!, 0);
    const v = m.get(k);
    const got = how === 'updateObject' ? v?.n : typeof v === 'bigint' ? Number(v) : v;
    expect(got, `key ${String(k)}: ${how} x${total} (seed ${seed})`).toBe(total);
  });
  expect(results.reduce((s, r) => s + r.counts.reduce((a, b) => a + b, 0), 0)).toBe(workers * OPS);
  expect(m.size).toBe(keys.length);
}

describe('concurrent counters', () => {
  it("add on 'number' values, 4 hot string keys", () => hammer({ keys: 'string', values: 'number' }, 'add', ['a', 'b', 'c', 'd']));
  it("add on 'int32' values, int32 keys", () => hammer({ keys: 'int32', values: 'int32' }, 'add', [1, 2, 3]));
  it("add on 'bigint' values", () => hammer({ values: 'bigint' }, 'add', ['x', 'y']));
  it("add under 'any' with numeric values, mixed key types", () => hammer({}, 'add', [1, '1', 1n, [1]]));
  it("update increments on 'number' values", () => hammer({ values: 'number' }, 'update', ['a', 'b', 'c']));
  it("update of an object field under 'any'", () => hammer({}, 'updateObject', ['obj1', 'obj2']));
  it('add and update mixed on the same keys, 6 workers, one shard', () => hammer({ values: 'number', shards: 1 }, 'mixed', ['a', 'b'], 6));
});
