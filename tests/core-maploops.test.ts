/**
 * jsr166 MapLoops ("get(k) returns k") at 1, 2 and 4 threads, plus 6 threads on a map whose
 * hashes keep only 4 bits. Beyond the per-operation check in the workers, the counts must add
 * up: size == (new keys inserted) - (keys removed), and every entry maps k -> k.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { ShardedMap } from '@shardmap/core';
import { createWithHashMask } from '@shardmap/core/testing';
import { runWorkers, seedFor } from './helpers/workers.js';

const SIZE = 10_000;

async function mapLoops(m: ShardedMap<any, any>, threads: number, ops: number, insertVia: string, asString = false) {
  const seed = seedFor();
  const datas = Array.from({ length: threads }, (_, i) => ({ handle: m.handle, seed: seed + i * 7919, ops, size: SIZE, insertVia, asString }));
  const results = await runWorkers<{ inserted: number; removed: number; hits: number }>('maploops.mjs', datas);
  const inserted = results.reduce((s, r) => s + r.inserted, 0);
  const removed = results.reduce((s, r) => s + r.removed, 0);
  const what = `${threads} threads, seed ${seed}`;
  expect(m.size, `${what}: size vs inserted ${inserted} - removed ${removed}`).toBe(inserted - removed);
  let n = 0;
  for (const [k, v] of m) {
    n++;
    expect(asString ? `k${v}` : v, `${what}: entry ${k}`).toBe(k);
  }
  expect(n, what).toBe(m.size);
  expect(m.snapshot().size, what).toBe(m.size);
  expect(results.every((r) => r.hits > 0), `${what}: a worker never hit`).toBe(true);
}

describe('jsr166 MapLoops', () => {
  for (const threads of [1, 2, 4]) {
    it(`int32 keys, ${threads} thread(s), inserts via swap`, async () => {
      const m = createTestMap<number, number>({ keys: 'int32', values: 'int32', capacity: 1 });
      await mapLoops(m, threads, 200_000, 'swap');
    });
  }
  it("'any' keys and values, 4 threads, inserts via loadOrStore", async () => {
    await mapLoops(createTestMap({ capacity: 1 }), 4, 150_000, 'loadOrStore');
  });
  it("string keys, 4 threads, 2 shards (contended), inserts via swap", async () => {
    await mapLoops(createTestMap({ keys: 'string', values: 'number', shards: 2, capacity: 1 }), 4, 150_000, 'swap', true);
  });
  it("string keys, 4 threads, 16 shards, inserts via loadOrStore", async () => {
    await mapLoops(createTestMap({ keys: 'string', values: 'number', shards: 16, capacity: 1 }), 4, 150_000, 'loadOrStore', true);
  });
  it('4-bit hashes (TruncHash), 6 threads', async () => {
    await mapLoops(createWithHashMask({ keys: 'int32', values: 'int32', capacity: 1 }, 0xf), 6, 60_000, 'loadOrStore');
  });
});
