/**
 * Go's multi-goroutine sync.Map tests, ported to worker threads and run against both modes
 * ('striped' and 'syncmap'). Two workers each (the test machines have 2 cores); the workers load
 * the built package (packages/core/dist) and attach to the map through its handle.
 *
 * - TestConcurrentRange (src/sync/map_test.go): a writer keeps storing n -> n*i*g while another
 *   worker ranges; every range visits each of the keys exactly once with a multiple of the key.
 * - TestConcurrentClear: one worker stores, loads, loadOrStores and loadAndDeletes while the other
 *   clears; every value read is the one last stored under that key, a value read with no clear in
 *   between is never lost, and the final map is exactly what the storer's log says.
 * - The concurrent cache test of src/internal/sync/hashtriemap_test.go (issue 70970):
 *   CompareAndSwap and CompareAndDelete racing on one key with the same `old`: exactly one wins
 *   each round, and the key then holds the winner's value (or is gone).
 *
 * SHARDMAP_SEED replays the workers' random choices.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { startWorkers, runWorkers, seedFor } from './helpers/workers.js';

type Mode = 'striped' | 'syncmap';
const MODES: Mode[] = ['striped', 'syncmap'];

describe.each(MODES)("Go's concurrent sync.Map tests, mode '%s'", (mode) => {
  it('TestConcurrentRange: ranges see every key once, with a multiple of it, while a writer stores', async () => {
    const seed = seedFor();
    const size = 1 << 10;
    const iters = 400;
    const m = ShardedMap.create<number, number>({ mode });
    for (let n = 1; n <= size; n++) m.set(n, n);
    const stop = new SharedArrayBuffer(4);
    const started = startWorkers<{ rounds?: number; stores?: number; visits?: number }>(
      'go-range.mjs',
      [
        { role: 'writer', handle: m.handle, stop, seed, size, g: 3, storeOneIn: 32, maxRounds: 1_000_000 },
        { role: 'ranger', handle: m.handle, seed: seed + 1, size, iters },
      ],
      40_000,
    );
    // The ranger is bounded by its range count; the writer runs until the ranger is done.
    await started.each[1]!.finally(() => Atomics.store(new Int32Array(stop), 0, 1)).catch(() => undefined);
    const [w, r] = await started.results.catch((e: Error) => {
      throw new Error(`seed ${seed}: ${e.message}`);
    });
    expect(w!.rounds, `seed ${seed}: the writer made no full pass`).toBeGreaterThan(0);
    expect(w!.stores, `seed ${seed}: the writer stored nothing`).toBeGreaterThan(0);
    expect(r!.visits).toBe(size * iters);
    // Afterwards: the same invariants from this thread, and every view agrees.
    const seen = new Set<number>();
    m.range((k, v) => {
      expect(seen.has(k), `key ${k} visited twice`).toBe(false);
      seen.add(k);
      expect(v % k, `key ${k} holds ${v}`).toBe(0);
    });
    expect(seen.size).toBe(size);
    expect(m.size).toBe(size);
    expect(m.snapshot().size).toBe(size);
  });

  it('TestConcurrentClear: store/load/loadAndDelete racing clear() stay consistent', async () => {
    const seed = seedFor();
    const K = 512;
    const final = 300;
    const m = ShardedMap.create<number, number>({ mode, capacity: 64 });
    const gen = new SharedArrayBuffer(12); // [clear counter, clearer done, storer progress]
    const [s, c] = await runWorkers<{ ops?: number; last?: (number | null)[]; storedAt?: number[]; gen?: number; sawClearDuring?: number; seenEntries?: number }>(
      'go-clear.mjs',
      [
        { role: 'storer', handle: m.handle, gen, seed, K, final, maxOps: 3_000_000 },
        { role: 'clearer', handle: m.handle, gen, seed: seed + 1, K, clears: 400 },
      ],
      40_000,
    ).catch((e: Error) => {
      throw new Error(`seed ${seed}: ${e.message}`);
    });
    const what = `seed ${seed}`;
    expect(s!.ops, `${what}: the storer did nothing while the clears ran`).toBeGreaterThan(1000);
    expect(s!.gen, `${what}: the clearer did not finish its clears`).toBe(800);
    // The final map, key by key, from the storer's log: deleted last -> absent; stored after the
    // last clear returned -> present with that value; otherwise absent or that value.
    for (let k = 0; k < K; k++) {
      const last = s!.last![k] ?? undefined;
      const v = m.get(k);
      if (last === undefined) expect(v, `${what}: key ${k} was deleted last, yet holds ${v}`).toBeUndefined();
      else if (s!.storedAt![k] === s!.gen) expect(v, `${what}: key ${k} stored after the last clear`).toBe(last);
      else if (v !== undefined) expect(v, `${what}: key ${k} holds a value that is not the last stored`).toBe(last);
    }
    for (let j = 0; j < final; j++) expect(m.get(K + j), `${what}: final key ${K + j}`).toBe(K + j);
    // Size equals what a range, a snapshot and keys() find.
    const seen = new Set<number>();
    m.range((k) => void seen.add(k));
    expect(m.size, what).toBe(seen.size);
    expect(m.snapshot().size, what).toBe(seen.size);
    expect([...m.keys()].length, what).toBe(seen.size);
    expect(seen.size, what).toBeGreaterThanOrEqual(final);
    // Go's ending: after a Clear, Range yields nothing.
    m.clear();
    let calls = 0;
    m.range(() => void calls++);
    expect(calls, 'after Clear, Range yielded entries').toBe(0);
    expect(m.size).toBe(0);
    expect(c!.seenEntries).toBeGreaterThanOrEqual(0);
  });

  it.each([
    { values: 'numbers', objects: false, rounds: 6000 },
    { values: 'objects', objects: true, rounds: 3000 },
  ])('concurrent cache (issue 70970): CAS and CAD on one pair never both succeed, $values', async ({ objects, rounds }) => {
    const seed = seedFor();
    const m = ShardedMap.create<string, unknown>({ mode, shards: 2 });
    const board = new SharedArrayBuffer(4 * (2 + 2 * rounds));
    const datas = [0, 1].map((id) => ({ handle: m.handle, board, rounds, objects, seed: seed + id }));
    const [w0] = await runWorkers<{ wins: { cas: number; cad: number } }>('go-cache.mjs', datas, 40_000).catch((e: Error) => {
      throw new Error(`seed ${seed}: ${e.message}`);
    });
    const results = new Int32Array(board, 8);
    for (let r = 0; r < rounds; r++) {
      expect(results[2 * r]! + results[2 * r + 1]!, `seed ${seed}: round ${r}: successes`).toBe(1);
    }
    expect(w0!.wins.cas + w0!.wins.cad).toBe(rounds);
    expect(w0!.wins.cas, 'some CAS won').toBeGreaterThan(0);
    expect(w0!.wins.cad, 'some CAD won').toBeGreaterThan(0);
  });
});
