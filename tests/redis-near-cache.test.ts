/**
 * @shardmap/redis on one host against a real redis-server (started here, on a random port): hits,
 * fills and write-through; the in-flight fill race, forced in the main thread and in a worker; a
 * worker killed mid-fill; redis-server killed and restarted; the documented error codes.
 */
import { Worker } from 'node:worker_threads';
import { createClient } from 'redis';
import { createNearCache, NearCache, type NearCacheError } from '@shardmap/redis';
import { setAfterGetHook } from '@shardmap/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, describeWithRedis } from './helpers/redis-server.js';

const server = new RedisServer();
let plain: ReturnType<typeof createClient>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 5 ms until it holds, for at most `ms` (a worker loading node-redis on a loaded 2-core machine can take seconds). */
async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** Runs `write`, then waits until `near`'s host has applied one more invalidation (BCAST reports every write under the prefix). */
async function applied(near: NearCache<unknown>, write: () => Promise<unknown>): Promise<void> {
  const before = near.stats().invalidations;
  await write();
  await until(() => near.stats().invalidations > before);
}

describeWithRedis('NearCache on one host', () => {
  beforeAll(async () => {
    await server.start();
    plain = createClient({ url: server.url });
    plain.on('error', () => {});
    await plain.connect();
  });
  afterAll(async () => {
    plain?.destroy();
    await server.kill();
  });

  it('serves a second get from memory, writes through, and drops a key another client writes', async () => {
    const near = await createNearCache({ url: server.url, prefix: 'a:' });
    await applied(near, () => plain.set('a:1', 'one'));
    expect(await near.get('a:1')).toBe('one');
    expect(await near.get('a:1')).toBe('one');
    expect(await near.get('a:none')).toBeUndefined();
    expect(near.stats()).toMatchObject({ localHits: 1, misses: 2, fills: 1, tracking: true });
    await applied(near, () => plain.set('a:1', 'uno'));
    expect(await near.get('a:1')).toBe('uno');
    await near.set('a:2', 'two', { ttl: 60_000 });
    expect(await plain.get('a:2')).toBe('two');
    expect(await plain.pTTL('a:2')).toBeGreaterThan(50_000);
    expect(await near.delete('a:2')).toBe(true);
    expect(await near.delete('a:2')).toBe(false);
    expect(await near.get('a:2')).toBeUndefined();
    await plain.flushAll();
    await until(async () => (await near.get('a:1')) === undefined);
    await near.close();
  });

  it("stores JSON under values: 'json', and a worker attached to the handle shares the entries", async () => {
    const near = await createNearCache<{ n: number }>({ url: server.url, prefix: 'j:', values: 'json', maxEntries: 100 });
    await applied(near, () => near.set('j:1', { n: 1 })); // our own write comes back too (BCAST)
    expect(await plain.get('j:1')).toBe('{"n":1}');
    expect(await near.get('j:1')).toEqual({ n: 1 });
    const other = await NearCache.attach<{ n: number }>(near.handle);
    expect(await other.get('j:1')).toEqual({ n: 1 });
    expect(near.stats().localHits).toBe(1);
    await other.close();
    await near.close();
  });

  it('refuses the fill of a GET reply that an invalidation overtook (forced, main thread)', async () => {
    const near = await createNearCache({ url: server.url, prefix: 'r:' });
    await applied(near, () => plain.set('r:1', 'old'));
    setAfterGetHook(near, () => applied(near, () => plain.set('r:1', 'new')));
    expect(await near.get('r:1')).toBe('old'); // the reply itself: Redis ran the GET first
    setAfterGetHook(near, undefined);
    expect(near.stats()).toMatchObject({ fills: 0, staleFillsRefused: 1 });
    expect(await near.get('r:1')).toBe('new');
    expect(await near.get('r:1')).toBe('new');
    expect(near.stats().localHits).toBe(1);
    await near.close();
  });

  it('refuses it in a worker too: the epochs it checks are in shared memory', async () => {
    const near = await createNearCache({ url: server.url, prefix: 'w:' });
    await applied(near, () => plain.set('w:1', 'old'));
    const gate = new SharedArrayBuffer(4);
    const worker = new Worker(new URL('./fixtures/redis-worker.mjs', import.meta.url), { workerData: { handle: near.handle, mode: 'race', key: 'w:1', gate } });
    const messages: { replied?: boolean; first?: string; second?: string; stats?: { staleFillsRefused: number } }[] = [];
    worker.on('message', (m) => messages.push(m));
    await until(() => messages.some((m) => m.replied));
    await applied(near, () => plain.set('w:1', 'new')); // applied by the main thread
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await until(() => messages.some((m) => m.first !== undefined));
    const result = messages.find((m) => m.first !== undefined)!;
    expect(result.first).toBe('old');
    expect(result.second).toBe('new');
    expect(result.stats!.staleFillsRefused).toBe(1);
    expect(await near.get('w:1')).toBe('new');
    await worker.terminate();
    await near.close();
  });

  it("leaves no key unfillable when a worker dies in the middle of its gets", async () => {
    const near = await createNearCache({ url: server.url, prefix: 'k:', maxEntries: 1000 });
    for (let i = 0; i < 50; i++) await plain.set(`k:${i}`, `v${i}`);
    for (let round = 0; round < 3; round++) {
      const worker = new Worker(new URL('./fixtures/redis-worker.mjs', import.meta.url), { workerData: { handle: near.handle, mode: 'churn', keys: 50 } });
      const token = await new Promise<number>((resolve) => worker.once('message', (m: { token: number }) => resolve(m.token)));
      await sleep(20 + 30 * round);
      await worker.terminate(); // anywhere: in a GET, holding a bucket, inside the cache's write
      NearCache.recoverThread(near.handle, token);
      await applied(near, () => plain.set('k:0', `r${round}`));
      for (let i = 0; i < 50; i++) await near.get(`k:${i}`);
      for (let i = 0; i < 50; i++) expect(await near.get(`k:${i}`)).toBe(i === 0 ? `r${round}` : `v${i}`);
    }
    await near.close();
  });

  it('after redis-server is killed and restarted: no stale entry served, tracking and fills resume', async () => {
    const near = await createNearCache({ url: server.url, prefix: 's:' });
    await applied(near, () => plain.set('s:1', 'before'));
    await near.get('s:1');
    expect(await near.get('s:1')).toBe('before');
    await server.kill();
    await until(() => !near.stats().tracking);
    const error = await near.get('s:1').then(() => undefined, (e: NearCacheError) => e);
    expect(error?.code).toBe('ERR_SHARDMAP_REDIS'); // nothing from memory while tracking is down
    await server.start(); // empty: no persistence
    await until(() => near.stats().tracking && near.stats().reconnects === 1);
    await until(async () => (await near.get('s:1').catch(() => 'error')) === undefined);
    // applied: the write's invalidation comes on the tracking connection, and one applied after the
    // GET that read 'after' would kill that fill (coherence.ts), so the hit below would be a miss.
    await applied(near, () => plain.set('s:1', 'after'));
    expect(await near.get('s:1')).toBe('after');
    const hits = near.stats().localHits;
    expect(await near.get('s:1')).toBe('after');
    expect(near.stats().localHits).toBe(hits + 1);
    await near.close();
  });

  it('rejects with the documented codes', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: NearCacheError) => e.code);
    expect(await code(createNearCache({ url: 'http://x' }))).toBe('ERR_SHARDMAP_OPTION');
    expect(await code(createNearCache({ url: server.url, bogus: 1 } as never))).toBe('ERR_SHARDMAP_OPTION');
    expect(await code(createNearCache({ url: server.url, values: 'xml' } as never))).toBe('ERR_SHARDMAP_OPTION');
    expect(await code(createNearCache({ url: server.url, maxEntries: -1 }))).toBe('ERR_SHARDMAP_OPTION');
    expect(await code(createNearCache({ url: 'redis://127.0.0.1:1' }))).toBe('ERR_SHARDMAP_REDIS');
    expect(await code(NearCache.attach({} as never))).toBe('ERR_SHARDMAP_BAD_BUFFER');
    const near = await createNearCache({ url: server.url, prefix: 'e:' });
    const json = await createNearCache({ url: server.url, prefix: 'e:', values: 'json' });
    expect(await code(near.get('f:1'))).toBe('ERR_SHARDMAP_KEY');
    expect(await code(near.get(1 as never))).toBe('ERR_SHARDMAP_KEY');
    expect(await code(near.set('e:1', 2 as never))).toBe('ERR_SHARDMAP_VALUE');
    expect(await code(near.set('e:1', 'x', { ttl: -5 }))).toBe('ERR_SHARDMAP_OPTION');
    expect(await code(json.set('e:1', 1n as never))).toBe('ERR_SHARDMAP_VALUE');
    await plain.set('e:text', 'not json');
    expect(await code(json.get('e:text'))).toBe('ERR_SHARDMAP_VALUE');
    await plain.hSet('e:hash', 'f', 'v');
    expect(await code(near.get('e:hash'))).toBe('ERR_SHARDMAP_REDIS'); // WRONGTYPE
    await near.close();
    await json.close();
    expect(await code(near.get('e:1'))).toBe('ERR_SHARDMAP_DISPOSED');
  });
});
