/**
 * The cache bench's runs on real worker threads (cache-worker.ts):
 *
 * - Hit throughput at 1 and 2 threads: ShardedCache.get and fetch() hits on one shared cache,
 *   ShardedMap.get on one shared map, and lru-cache get on a private copy per thread. Each run
 *   starts every thread at one barrier; a row is ns per hit per thread (median of RUNS runs and
 *   their min..max) and the threads' total hits per second.
 * - Sharing beats copies: WORKERS threads replay one trace, worker w the requests i ≡ w (mod
 *   WORKERS), concurrently: through one ShardedCache of `size` with fetch() (every load counted
 *   where it runs), against a private lru-cache of size/WORKERS each. The interleaving is what the
 *   threads make of it, not a fixed round robin.
 */
import { Worker } from 'node:worker_threads';
import { ShardedCache, ShardedMap } from '@shardmap/core';
import type { HitSubject, HitsJob, ShareJob } from './cache-worker.js';

export const WORKERS = 4;
const KEYS = 1023;

class Threads {
  readonly #workers: Worker[];
  constructor(n: number) {
    this.#workers = Array.from({ length: n }, () => new Worker(new URL('./cache-worker.js', import.meta.url)));
  }
  run<T>(jobs: readonly (HitsJob | ShareJob)[]): Promise<T[]> {
    return Promise.all(
      jobs.map(
        (job, i) =>
          new Promise<T>((resolve, reject) => {
            const w = this.#workers[i]!;
            w.once('message', (m: { ok: boolean; result: T; error: string }) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
            w.postMessage(job);
          }),
      ),
    );
  }
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

export interface ThroughputRow {
  readonly subject: string;
  readonly threads: number;
  /** ns per hit per thread, one per run (the mean over the run's threads). */
  readonly ns: number[];
}

const SUBJECTS: readonly [HitSubject, string][] = [
  ['cache-get', 'ShardedCache.get (shared)'],
  ['cache-fetch', 'ShardedCache.fetch hit (shared)'],
  ['map-get', 'ShardedMap.get (shared)'],
  ['lru-get', 'lru-cache get (a copy per thread)'],
];

export async function hitThroughput(ops: number, runs: number, threadCounts: readonly number[] = [1, 2]): Promise<ThroughputRow[]> {
  const cache = ShardedCache.create<number, number>({ maxEntries: 4096, shards: 8, seed: 1 });
  const map = ShardedMap.create<number, number>({ shards: 8, seed: 1 });
  for (let k = 0; k < KEYS; k++) {
    cache.set(k, k);
    map.set(k, k);
  }
  const rows: ThroughputRow[] = [];
  const pool = new Threads(Math.max(...threadCounts));
  try {
    for (const threads of threadCounts) {
      const byRow = SUBJECTS.map(([subject, name]) => ({ subject: name, threads, ns: [] as number[], id: subject }));
      for (let run = 0; run < runs; run++) {
        for (const row of byRow) {
          const barrier = new SharedArrayBuffer(4);
          const handle = row.id === 'map-get' ? map.handle : row.id === 'lru-get' ? undefined : cache.handle;
          const jobs: HitsJob[] = Array.from({ length: threads }, (_, t) => ({ kind: 'hits', subject: row.id, handle, ops, keys: KEYS, offset: Math.floor((t * KEYS) / threads), barrier, threads }));
          const results = await pool.run<{ ns: number }>(jobs);
          row.ns.push(results.reduce((s, r) => s + r.ns, 0) / threads);
        }
      }
      rows.push(...byRow.map(({ subject, threads: t, ns }) => ({ subject, threads: t, ns })));
    }
  } finally {
    await pool.close();
  }
  return rows;
}

export interface SharingRow {
  readonly trace: string;
  readonly size: number;
  /** Hit ratios: WORKERS private lru-caches of size/WORKERS, one shared ShardedCache of size. */
  readonly privateLru: number;
  readonly shared: number;
  /** Loads over the whole trace: misses of the private caches; loader runs of the shared one. */
  readonly privateLoads: number;
  readonly sharedLoads: number;
}

export async function sharingRows(traces: readonly { name: string; keys: Int32Array; sizes: readonly number[] }[], seed: number): Promise<SharingRow[]> {
  const pool = new Threads(WORKERS);
  const rows: SharingRow[] = [];
  try {
    for (const t of traces) {
      const trace = new SharedArrayBuffer(t.keys.byteLength);
      new Int32Array(trace).set(t.keys);
      for (const size of t.sizes) {
        const jobs = (handle: ShareJob['handle'], each: number): ShareJob[] =>
          Array.from({ length: WORKERS }, (_, worker) => ({ kind: 'share', handle, trace, worker, workers: WORKERS, size: each }));
        const priv = await pool.run<{ hits: number; loads: number }>(jobs(undefined, Math.max(1, Math.floor(size / WORKERS))));
        const cache = ShardedCache.create<number, number>({ maxEntries: size, shards: 8, keys: 'int32', values: 'int32', seed });
        const shared = await pool.run<{ hits: number; loads: number }>(jobs(cache.handle, size));
        const sum = (xs: { hits: number; loads: number }[], f: 'hits' | 'loads'): number => xs.reduce((s, x) => s + x[f], 0);
        rows.push({
          trace: t.name,
          size,
          privateLru: sum(priv, 'hits') / t.keys.length,
          shared: sum(shared, 'hits') / t.keys.length,
          privateLoads: sum(priv, 'loads'),
          sharedLoads: sum(shared, 'loads'),
        });
      }
    }
  } finally {
    await pool.close();
  }
  return rows;
}
