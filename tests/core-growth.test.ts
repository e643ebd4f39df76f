/**
 * Growth seen by every thread: while one worker inserts ~12 MB of values (forcing the shared
 * buffer and the shard tables to grow many times), 3-4 readers keep finding every prefilled key
 * with its value, every key the writer has published, and never a wrong value. A worker that
 * attaches afterwards sees the whole grown map.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { ShardedMap } from '@shardmap/core';
import { runWorkers, seedFor } from './helpers/workers.js';

const PREFILL = 2000;

async function growWhileReading(options: object, readers: number, count: number, size: number) {
  const seed = seedFor();
  const m = createTestMap<string, any>({ keys: 'string', values: 'any', capacity: 1, ...options });
  for (let i = 0; i < PREFILL; i++) m.set(`p${i}`, `value ${i}`);
  const before = m.stats();
  const progress = new SharedArrayBuffer(4);
  const common = { handle: m.handle, progress, count, size, prefill: PREFILL };
  const datas = [{ role: 'writer', ...common }, ...Array.from({ length: readers }, (_, r) => ({ role: 'reader', seed: seed + r, ...common }))];
  const results = await runWorkers<{ rounds?: number; checked?: number }>('growth.mjs', datas, 60_000).catch((e: Error) => {
    throw new Error(`seed ${seed}: ${e.message}`);
  });
  const after = m.stats();
  expect(after.bytesUsed, 'the buffer did not grow').toBeGreaterThan(before.bytesUsed + count * size * 0.5);
  expect(results.slice(1).every((r) => r.rounds! >= 2), 'a reader never overlapped the writer').toBe(true);
  const deleted = (i: number) => i % 7 === 3 && i < count - 10;
  let expected = PREFILL;
  for (let i = 0; i < count; i++) if (!deleted(i)) expected++;
  expect(m.size).toBe(expected);
  // A late attach in this thread and a fresh snapshot agree with the counts.
  const late = ShardedMap.attach<string, any>(structuredClone(m.handle));
  expect(late.size).toBe(expected);
  expect(late.snapshot().size).toBe(expected);
  for (let i = 0; i < PREFILL; i += 37) expect(late.get(`p${i}`)).toBe(`value ${i}`);
}

describe('readers during buffer growth', () => {
  it('1 writer (3000 x 4 KB), 3 readers, default shards', () => growWhileReading({}, 3, 3000, 4096));
  it('1 writer (1500 x 8 KB), 4 readers, 2 shards', () => growWhileReading({ shards: 2 }, 4, 1500, 8192));
});
