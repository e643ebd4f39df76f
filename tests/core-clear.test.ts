/**
 * clear() racing with 4 writers: the map stays consistent (hits map k -> k, walks never repeat a
 * key), writes made after the last clear returned all survive, and once quiet, size equals the
 * number of entries any walk or snapshot finds.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { runWorkers, seedFor } from './helpers/workers.js';

async function clearRace(options: object, writers: number, clears: number) {
  const seed = seedFor();
  const m = createTestMap<number, number>(options);
  const phase = new SharedArrayBuffer(4);
  const datas = [
    { role: 'clearer', handle: m.handle, phase, clears, seed },
    ...Array.from({ length: writers }, (_, i) => ({ role: 'writer', handle: m.handle, phase, seed: seed + i + 1 })),
  ];
  const results = await runWorkers<{ ops?: number; finals?: number[]; sizes?: number }>('clear.mjs', datas, 60_000).catch((e: Error) => {
    throw new Error(`seed ${seed}: ${e.message}`);
  });
  const what = `seed ${seed}`;
  for (const r of results.slice(1)) {
    expect(r.ops, `${what}: a writer made no writes before the last clear`).toBeGreaterThan(0);
    for (const k of r.finals!) expect(m.get(k), `${what}: key ${k} written after the last clear`).toBe(k);
  }
  const entries = [...m.entries()];
  expect(new Set(entries.map(([k]) => k)).size, `${what}: a key listed twice`).toBe(entries.length);
  for (const [k, v] of entries) expect(v, `${what}: ${k}`).toBe(k);
  expect(m.size, what).toBe(entries.length);
  expect(m.snapshot().size, what).toBe(entries.length);
  expect([...m.keys()].length, what).toBe(entries.length);
  m.clear();
  expect(m.size).toBe(0);
  expect([...m]).toEqual([]);
  m.set(1, 1);
  expect(m.get(1)).toBe(1);
}

describe('concurrent clear', () => {
  it('1 clearer x 150 clears, 4 writers, default shards', () => clearRace({ keys: 'int32', values: 'int32', capacity: 1 }, 4, 150));
  it("'any' codec, 2 shards, 1 clearer x 100 clears, 4 writers", () => clearRace({ shards: 2 }, 4, 100));
});
