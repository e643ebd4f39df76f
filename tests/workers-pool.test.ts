// createMapPool: a fixed piscina pool whose threads each attach the maps once at startup.
import { ShardedMap } from '@shardmap/core';
import { createMapPool, type MapPool } from '@shardmap/workers';
import { afterEach, describe, expect, it } from 'vitest';

const TASKS = new URL('./fixtures/workers-pool-task.mjs', import.meta.url);

/** Live worker threads of this process (unref'd ones included, unlike getActiveResourcesInfo). */
function liveWorkerThreads(): number {
  return (process.report.getReport() as { workers: unknown[] }).workers.length;
}

/** Resource types of which there are more now than in `before` (the test runner's own come and go). */
function resourcesAddedSince(before: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const type of before) left.set(type, (left.get(type) ?? 0) + 1);
  const added: string[] = [];
  for (const type of process.getActiveResourcesInfo()) {
    const n = left.get(type) ?? 0;
    if (n > 0) left.set(type, n - 1);
    else added.push(type);
  }
  return added;
}

const pools: MapPool[] = [];
function pool(...args: Parameters<typeof createMapPool>): MapPool {
  const created = createMapPool(...args);
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** Runs `parties` `meet` tasks that can only finish once all run at the same time: one per thread. */
function meetAll(p: MapPool, parties: number) {
  const barrier = new SharedArrayBuffer(4);
  return Promise.all(Array.from({ length: parties }, () => p.run<{ threadId: number; seenFromMain: unknown; names: string[] }>({ barrier, parties }, { name: 'meet' })));
}

describe('createMapPool', () => {
  it('starts a fixed pool whose tasks in different threads share one map', async () => {
    const m = ShardedMap.create<string, number>();
    m.set('from-main', 42);
    const p = pool({ maps: { m }, threads: 3, filename: TASKS });
    expect(p.threads).toBe(3);

    const met = await meetAll(p, 3);
    const threadIds = new Set(met.map((r) => r.threadId));
    expect(threadIds.size).toBe(3);
    for (const r of met) {
      expect(r.seenFromMain).toBe(42); // main's write is visible in every thread
      expect(r.names).toEqual(['m']);
    }
    for (const id of threadIds) expect(m.get(`written-by-${id}`)).toBe(id); // and theirs in main

    const results = await Promise.all(Array.from({ length: 60 }, () => p.run<{ total: number }>({ key: 'hits' })));
    expect(m.get('hits')).toBe(60);
    expect(results.map((r) => r.total).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('attaches once per thread: every task of a thread gets the same map instance, also via mapsInWorker()', async () => {
    const m = ShardedMap.create<string, number>();
    const p = pool({ maps: { m }, threads: 2, filename: TASKS });
    const results = await Promise.all(Array.from({ length: 40 }, () => p.run<{ sameAsFirst: boolean; helperAgrees: boolean }>({ key: 'k' })));
    expect(results.every((r) => r.sameAsFirst && r.helperAgrees)).toBe(true);
  });

  it('takes the task module per run() and reports a missing export clearly', async () => {
    const m = ShardedMap.create<string, number>();
    m.set('x', 7);
    const p = pool({ maps: { m }, threads: 1 });
    await expect(p.run({ key: 'x' }, { filename: TASKS, name: 'read' })).resolves.toMatchObject({ value: 7 });
    await expect(p.run({}, { filename: TASKS, name: 'nope' })).rejects.toThrow(/has no exported function "nope"/);
    await expect(p.run({})).rejects.toThrow(/give createMapPool or run\(\) a filename/);
  });

  it('close() waits for submitted tasks, stops every thread and leaves no handles', async () => {
    const resourcesBefore = process.getActiveResourcesInfo();
    const threadsBefore = liveWorkerThreads();
    const m = ShardedMap.create<string, number>();
    const p = createMapPool({ maps: { m }, threads: 2, filename: TASKS });
    const pending = Array.from({ length: 10 }, () => p.run({ key: 'n' }));
    await meetAll(p, 2);
    expect(liveWorkerThreads()).toBe(threadsBefore + 2);

    await p.close();
    await Promise.all(pending); // submitted before close(): all completed
    expect(m.get('n')).toBe(10);
    expect(liveWorkerThreads()).toBe(threadsBefore);
    expect(resourcesAddedSince(resourcesBefore)).toEqual([]);
    await expect(p.run({ key: 'n' })).rejects.toMatchObject({ code: 'ERR_SHARDMAP_WORKERS_CLOSED' });
    await p.close(); // idempotent
  });

  it('closes through Symbol.asyncDispose', async () => {
    const threadsBefore = liveWorkerThreads();
    const m = ShardedMap.create<string, number>();
    const p = createMapPool({ maps: { m }, threads: 2, filename: TASKS });
    await p.run({ key: 'd' });
    await p[Symbol.asyncDispose]();
    expect(liveWorkerThreads()).toBe(threadsBefore);
  });

  it('is closed at the end of an `await using` scope', async () => {
    const threadsBefore = liveWorkerThreads();
    const m = ShardedMap.create<string, number>();
    let closed: MapPool | undefined;
    {
      await using p = createMapPool({ maps: { m }, threads: 2, filename: TASKS });
      closed = p;
      await p.run({ key: 'u' });
    }
    expect(liveWorkerThreads()).toBe(threadsBefore);
    await expect(closed.run({ key: 'u' })).rejects.toMatchObject({ code: 'ERR_SHARDMAP_WORKERS_CLOSED' });
  });

  it('aborting a running task terminates its thread; the replacement attaches the maps again', async () => {
    const m = ShardedMap.create<string, number>();
    m.set('x', 1);
    const p = pool({ maps: { m }, threads: 1, filename: TASKS });
    const before = await p.run<{ threadId: number }>({ key: 'x' }, { name: 'read' });
    const abort = new AbortController();
    const blocked = p.run({ never: new SharedArrayBuffer(4) }, { name: 'block', signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await expect(blocked).rejects.toThrow(/abort/i);
    const after = await p.run<{ threadId: number; value: number }>({ key: 'x' }, { name: 'read' });
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.value).toBe(1);
  });

  it('rejects bad options by name', () => {
    const m = ShardedMap.create();
    expect(() => createMapPool({ maps: { m }, threads: 0 })).toThrow(/option "threads"/);
    expect(() => createMapPool({ maps: { m: {} as ShardedMap }, threads: 1 })).toThrow(/option "maps.m" must be a ShardedMap/);
  });
});
