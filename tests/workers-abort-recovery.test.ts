// Aborting a piscina task that writes a map terminates its thread mid-write: the pool recovers the
// map (ShardedMap.recoverThread on 'workerDestroy'), so nothing deadlocks and nothing is lost.
import { ShardedMap } from '@shardmap/core';
import { createMapPool } from '@shardmap/workers';
import { describe, expect, it } from 'vitest';

const TASKS = new URL('./fixtures/workers-abort-task.mjs', import.meta.url);
const ROUNDS = Number(process.env.SHARDMAP_ABORT_ROUNDS ?? 30);

describe('aborting tasks that write the map', () => {
  it(`${ROUNDS} rounds: abort a writing task at a random moment; the others and the map carry on`, { timeout: 180_000 }, async () => {
    const map = ShardedMap.create({ shards: 4, capacity: 1 });
    const pool = createMapPool({ maps: { m: map }, threads: 3, filename: TASKS });
    const progress = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * ROUNDS)));
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Two writers; each is aborted (its thread terminated) at its own random moment.
        const kills = [0, 1].map(async (i) => {
          const controller = new AbortController();
          const running = pool.run({ progress: progress.buffer, slot: 2 * round + i }, { name: 'writeUntilAborted', signal: controller.signal });
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 40));
          controller.abort();
          await running.catch(() => undefined);
        });
        await Promise.all(kills);
        // The replacement threads must finish a write within a bound: a lock left held by a dead
        // thread would hang them.
        const after = await Promise.race([
          Promise.all([pool.run({}, { name: 'addOnce' }), pool.run({}, { name: 'addOnce' }), pool.run({}, { name: 'addOnce' })]),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`round ${round}: deadlock after the aborts`)), 15_000)),
        ]);
        expect(after).toHaveLength(3);
      }
    } finally {
      // Bounded: after a deadlock the hung tasks would keep close() waiting forever.
      await Promise.race([pool.close(), new Promise((r) => setTimeout(r, 10_000))]);
    }
    // Every add that returned is counted; an add in flight at a kill may or may not have applied.
    const completed = Atomics.load(progress, 0);
    const total = map.get('total') as number;
    expect(total).toBeGreaterThanOrEqual(completed);
    expect(total).toBeLessThanOrEqual(completed + 2 * ROUNDS);
    // Every insert a killed task completed is there with its value (keys k_j with j % 3 === 0
    // are deleted again later by the same task, so only the others are certain).
    let checked = 0;
    for (let slot = 0; slot < 2 * ROUNDS; slot++) {
      const done = Atomics.load(progress, 1 + slot);
      for (let j = 0; j < done; j++) {
        if (j % 3 === 0) continue;
        expect(map.get(`t${slot}:k${j}`), `t${slot}:k${j}`).toBe(`v${j}:${'x'.repeat(j % 40)}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(map.get('after')).toBe(3 * ROUNDS);
    // The map is consistent: iteration agrees with size, no key twice, every value readable.
    const keys = [...map.keys()];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(map.size);
    expect(pool.recoveries.length, 'at least one kill landed while a lock was held').toBeGreaterThan(0);
  });
});
