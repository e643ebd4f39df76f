/**
 * A worker of the cache bench's threaded runs (threads.ts): answers one job per message.
 *
 *   { kind: 'hits', subject, handle?, ops, keys, offset, barrier } → { ns }  ns per hit, this thread
 *   { kind: 'share', handle?, keys, worker, workers, size } → { hits, loads }
 *
 * 'hits' waits at the barrier (every thread of the run starts together), then runs `ops` hits over
 * `keys` present int keys from `offset`: ShardedCache.get or fetch (the shared cache of `handle`),
 * ShardedMap.get (the shared map), or lru-cache get (a private cache built here, per thread).
 * 'share' replays requests i ≡ worker (mod workers) of the trace: through the shared cache's
 * fetch(), whose loader is a load; or, without a handle, a private lru-cache of `size` entries,
 * where a miss is a load.
 */
import { parentPort } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { ShardedCache, ShardedMap, type ShardedCacheHandle, type ShardedMapHandle } from '@shardmap/core';

export type HitSubject = 'cache-get' | 'cache-fetch' | 'map-get' | 'lru-get';

export interface HitsJob {
  readonly kind: 'hits';
  readonly subject: HitSubject;
  readonly handle?: ShardedCacheHandle | ShardedMapHandle;
  readonly ops: number;
  readonly keys: number;
  readonly offset: number;
  readonly barrier: SharedArrayBuffer;
  readonly threads: number;
}

export interface ShareJob {
  readonly kind: 'share';
  readonly handle?: ShardedCacheHandle;
  readonly trace: SharedArrayBuffer;
  readonly worker: number;
  readonly workers: number;
  readonly size: number;
}

const port = parentPort!;

/** Every thread arrives, then all go (spinning on a shared counter: no thread starts early). */
function meet(barrier: SharedArrayBuffer, parties: number): void {
  const cell = new Int32Array(barrier);
  Atomics.add(cell, 0, 1);
  while (Atomics.load(cell, 0) < parties);
}

async function hits(job: HitsJob): Promise<{ ns: number }> {
  const { ops, keys, offset } = job;
  let get: (k: number) => number | undefined;
  let fetch: ((k: number) => Promise<number>) | undefined;
  if (job.subject === 'lru-get') {
    const lru = new LRUCache<number, number>({ max: 4 * keys });
    for (let k = 0; k < keys; k++) lru.set(k, k);
    get = (k) => lru.get(k);
  } else if (job.subject === 'map-get') {
    const map = ShardedMap.attach<number, number>(job.handle as ShardedMapHandle);
    get = (k) => map.get(k);
  } else {
    const cache = ShardedCache.attach<number, number>(job.handle as ShardedCacheHandle);
    get = (k) => cache.get(k);
    const load = (k: number): number => k;
    if (job.subject === 'cache-fetch') fetch = (k) => cache.fetch(k, load);
  }
  let sink = 0;
  for (let j = 0; j < 100_000; j++) sink += get((j + offset) % keys)!; // warm-up
  if (fetch) for (let j = 0; j < 10_000; j++) sink += await fetch((j + offset) % keys);
  meet(job.barrier, job.threads);
  const t0 = process.hrtime.bigint();
  if (fetch) for (let j = 0; j < ops; j++) sink += await fetch((j + offset) % keys);
  else for (let j = 0; j < ops; j++) sink += get((j + offset) % keys)!;
  const ns = Number(process.hrtime.bigint() - t0) / ops;
  if (sink === -1) console.log(sink);
  return { ns };
}

async function share(job: ShareJob): Promise<{ hits: number; loads: number }> {
  const keys = new Int32Array(job.trace);
  let hits = 0;
  let loads = 0;
  if (job.handle === undefined) {
    const lru = new LRUCache<number, true>({ max: job.size });
    for (let i = job.worker; i < keys.length; i += job.workers) {
      if (lru.get(keys[i]!) !== undefined) hits++;
      else {
        loads++;
        lru.set(keys[i]!, true);
      }
    }
    return { hits, loads };
  }
  const cache = ShardedCache.attach<number, number>(job.handle);
  const load = (): number => {
    loads++;
    return 1;
  };
  for (let i = job.worker; i < keys.length; i += job.workers) {
    const k = keys[i]!;
    if (cache.get(k) !== undefined) hits++;
    else await cache.fetch(k, load); // a miss: one load in the whole pool, whoever runs it
  }
  cache[Symbol.dispose]();
  return { hits, loads };
}

port.on('message', (job: HitsJob | ShareJob) => {
  const run = job.kind === 'hits' ? hits(job) : share(job);
  run.then(
    (result) => port.postMessage({ ok: true, result }),
    (error: unknown) => port.postMessage({ ok: false, error: String((error as Error)?.stack ?? error) }),
  );
});
