// createMapPool passes piscina's options through and shows its queue and threads in `stats`.
import { ShardedMap } from '@shardmap/core';
import { createMapPool, type MapPool, type MapPoolOptions } from '@shardmap/workers';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';

const TASKS = new URL('./fixtures/workers-pool-task.mjs', import.meta.url);

const pools: MapPool[] = [];
function pool(options: Omit<MapPoolOptions<{ m: ShardedMap }>, 'maps'>): MapPool {
  const created = createMapPool({ maps: { m: ShardedMap.create() }, filename: TASKS, ...options });
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createMapPool options and stats', () => {
  it("takes piscina's own option types", () => {
    expectTypeOf<MapPoolOptions<{}>>().toHaveProperty('maxQueue').toEqualTypeOf<number | 'auto' | undefined>();
    expectTypeOf<MapPoolOptions<{}>>().toHaveProperty('concurrentTasksPerWorker');
    expectTypeOf<MapPoolOptions<{}>>().toHaveProperty('resourceLimits');
    expectTypeOf<MapPoolOptions<{}>>().toHaveProperty('idleTimeout');
  });

  it('maxQueue bounds the queue (a task past it rejects), and stats show the queue as it fills and drains', async () => {
    const p = pool({ threads: 1, maxQueue: 2 });
    const gate = new SharedArrayBuffer(4);
    const running = p.run<number>({ gate, id: 0 }, { name: 'hold' });
    await until(() => p.stats.idleThreads === 0 && p.stats.queueSize === 0, 'the first task to start');
    const queued = [1, 2].map((id) => p.run<number>({ gate, id }, { name: 'hold' }));
    expect(p.stats).toMatchObject({ threads: 1, queueSize: 2, maxQueue: 2, completed: 0 });
    await expect(p.run({ gate, id: 3 }, { name: 'hold' })).rejects.toThrow(/queue is at limit/i);

    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await expect(Promise.all([running, ...queued])).resolves.toEqual([0, 1, 2]);
    const stats = p.stats;
    expect(stats.queueSize).toBe(0);
    expect(stats.needsDrain).toBe(false);
    expect(stats.completed).toBeGreaterThanOrEqual(3); // piscina counts the rejected one too
    expect(stats.utilization).toBeGreaterThan(0);
    expect(stats.utilization).toBeLessThanOrEqual(1);
    expect(stats.duration).toBeGreaterThan(0);
    expect(stats.runTime.max).toBeGreaterThan(0);
    expect(typeof stats.waitTime.p50).toBe('number');
  });

  it('concurrentTasksPerWorker lets async tasks share a thread', async () => {
    const p = pool({ threads: 1, concurrentTasksPerWorker: 3 });
    const barrier = new SharedArrayBuffer(4);
    const ids = await Promise.all([0, 1, 2].map(() => p.run<number>({ barrier, parties: 3 }, { name: 'meetAsync' })));
    expect(new Set(ids).size).toBe(1);
  });

  it('resourceLimits reach the threads', async () => {
    const p = pool({ threads: 1, resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 2 } });
    await expect(p.run({}, { name: 'limits' })).resolves.toMatchObject({ maxOldGenerationSizeMb: 64, stackSizeMb: 2 });
  });

  it('minThreads, maxThreads and idleTimeout make a pool that grows under load and shrinks back', async () => {
    const p = pool({ minThreads: 1, maxThreads: 3, idleTimeout: 50 });
    expect(p.threads).toBe(3);
    const m = p.maps as { m: ShardedMap<string, number> };
    const barrier = new SharedArrayBuffer(4);
    await Promise.all([0, 1, 2].map(() => p.run({ barrier, parties: 3 }, { name: 'meet' })));
    expect(p.stats.threads).toBe(3);
    await until(() => p.stats.threads === 1, 'idle threads to be reaped');
    // Threads started later attach the maps too.
    await expect(Promise.all([0, 1, 2].map(() => p.run<{ total: number }>({ key: 'k' })))).resolves.toHaveLength(3);
    expect(m.m.get('k')).toBe(3);
  });

  it('rejects thread counts that cannot be', () => {
    expect(() => createMapPool({ maps: {}, minThreads: 4, maxThreads: 2 })).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_WORKERS_OPTION' }));
    expect(() => createMapPool({ maps: {}, maxThreads: 0 })).toThrow(/maxThreads/);
  });
});
