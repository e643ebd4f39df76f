/**
 * One worker of the redis bench's sharing comparison: `ops` gets of Zipf-distributed keys, either
 * through the host's shared near cache (NearCache.attach) or through a node-redis client of its
 * own with RESP3 client-side caching (`clientSideCache`, one cache and one tracking connection
 * per worker). Posts its hit count (the near cache's are read from its shared stats instead).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from 'redis';
import { NearCache, type NearCacheHandle } from '@shardmap/redis';
import { zipfSampler } from './zipf.js';

interface Data {
  readonly mode: 'near' | 'csc';
  readonly handle?: NearCacheHandle;
  readonly url: string;
  readonly maxEntries: number;
  readonly keys: number;
  readonly ops: number;
  readonly seed: number;
}

const data = workerData as Data;
const next = zipfSampler(data.keys, 0.99, data.seed);

async function main(): Promise<{ hits: number; ms: number }> {
  if (data.mode === 'near') {
    const cache = await NearCache.attach(data.handle!);
    const t0 = performance.now();
    for (let i = 0; i < data.ops; i++) await cache.get(`b:${next()}`);
    const ms = performance.now() - t0;
    await cache.close();
    return { hits: -1, ms };
  }
  const client = createClient({ url: data.url, RESP: 3, clientSideCache: { maxEntries: data.maxEntries, evictPolicy: 'LRU' } });
  client.on('error', () => {});
  await client.connect();
  const t0 = performance.now();
  for (let i = 0; i < data.ops; i++) await client.get(`b:${next()}`);
  const ms = performance.now() - t0;
  const hits = client.clientSideCache!.stats().hitCount;
  client.destroy();
  return { hits, ms };
}

main().then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (error: unknown) => parentPort!.postMessage({ ok: false, error: String((error as Error)?.stack ?? error) }),
);
