/**
 * `pnpm bench --only redis`: @shardmap/redis against a redis-server on loopback (its own, started
 * here on a random port from /usr/bin/redis-server, or REDIS_URL's). Three measurements, printed
 * as one table and written to <out>/redis.md and .json:
 *
 *  1. Hit cost: an awaited NearCache.get hit against an awaited plain node-redis GET of the same
 *     key (one in flight), and a hit of node-redis's own client-side cache, in RUNS interleaved
 *     runs. The bar (issue 20): the local hit ≥ 20× faster than the GET.
 *  2. Invalidation latency: host B holds a key; host A sets it; the time from A's set starting to
 *     B's tracking connection having applied the invalidation (B's next get misses from then),
 *     as percentiles. Both hosts are in this process, each with its own connections.
 *  3. Sharing: 4 workers read Zipf(0.99) keys while the main thread writes some of them, once
 *     through one shared near cache and once with a node-redis client-side cache per worker (the
 *     same total entries, then 4× that). Hit ratio, and the GETs Redis served (INFO commandstats).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createClient } from 'redis';
import { createNearCache } from '@shardmap/redis';
import { setInvalidateHook } from '@shardmap/redis/testing';
import { zipfSampler } from './zipf.js';

export interface RedisBenchSettings {
  readonly quick: boolean;
  readonly seed: number;
}

const RUNS = 5;
const WORKERS = 4;
const KEYS = 5000;
const CAPACITY = 1000;
const BAR = 20;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRedisBench(settings: RedisBenchSettings, outDir: string, log: (line: string) => void): Promise<Record<string, unknown>> {
  const server = process.env.REDIS_URL ? undefined : await startServer();
  const url = process.env.REDIS_URL ?? server!.url;
  log(`redis: against ${url}${server ? ' (redis-server started here)' : ''}`);
  try {
    const hit = await hitCost(url, settings.quick);
    const latency = await invalidationLatency(url, settings.quick ? 100 : 2000);
    const sharing = await sharingRows(url, settings);
    const table = render(hit, latency, sharing);
    process.stdout.write(`${table}\n`);
    await fs.mkdir(outDir, { recursive: true });
    const result = { seed: settings.seed, quick: settings.quick, hit, latency, sharing };
    await fs.writeFile(path.join(outDir, 'redis.md'), `# @shardmap/redis (seed ${settings.seed})\n\n${table}\n`);
    await fs.writeFile(path.join(outDir, 'redis.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    server?.stop();
  }
}

interface HitCost {
  /** µs per awaited operation, one entry per run. */
  nearHit: number[];
  cscHit: number[];
  plainGet: number[];
}

async function hitCost(url: string, quick: boolean): Promise<HitCost> {
  const near = await createNearCache({ url, prefix: 'hot:' });
  const plain = createClient({ url });
  const csc = createClient({ url, RESP: 3, clientSideCache: { maxEntries: 100 } });
  await plain.connect();
  await csc.connect();
  await plain.set('hot:1', 'x'.repeat(100));
  await near.get('hot:1');
  await csc.get('hot:1');
  const hits = quick ? 5_000 : 200_000;
  const gets = quick ? 500 : 20_000;
  const time = async (n: number, op: () => Promise<unknown>): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op();
    return Number(process.hrtime.bigint() - t0) / 1000 / n;
  };
  const out: HitCost = { nearHit: [], cscHit: [], plainGet: [] };
  for (let run = -1; run < RUNS; run++) {
    const a = await time(hits, () => near.get('hot:1'));
    const b = await time(hits, () => csc.get('hot:1'));
    const c = await time(gets, () => plain.get('hot:1'));
    if (run < 0) continue; // warm-up
    out.nearHit.push(a);
    out.cscHit.push(b);
    out.plainGet.push(c);
  }
  if (near.stats().misses !== 1) throw new Error(`redis bench: the hot key missed ${near.stats().misses} times`);
  await near.close();
  plain.destroy();
  csc.destroy();
  return out;
}

interface Latency {
  samples: number;
  /** µs from A's set starting to B's invalidation applied: p50, p90, p99, max. */
  fromSetStart: [number, number, number, number];
  /** µs from A's set resolving to B's invalidation applied (negative: it came first). */
  fromSetResolved: [number, number, number, number];
}

async function invalidationLatency(url: string, samples: number): Promise<Latency> {
  const a = await createNearCache({ url, prefix: 'lat:' });
  const b = await createNearCache({ url, prefix: 'lat:' });
  let arrived: (() => void) | undefined;
  let appliedAt = 0;
  setInvalidateHook(b, (key) => {
    if (key !== 'lat:1') return;
    appliedAt = performance.now();
    arrived?.();
  });
  const fromStart: number[] = [];
  const fromResolved: number[] = [];
  for (let i = 0; i < samples; i++) {
    const applied = new Promise<void>((resolve) => (arrived = resolve));
    const t0 = performance.now();
    await a.set('lat:1', String(i));
    const t1 = performance.now();
    await applied;
    fromStart.push((appliedAt - t0) * 1000);
    fromResolved.push((appliedAt - t1) * 1000);
    if ((await b.get('lat:1')) !== String(i)) throw new Error('redis bench: host B read an old value after its invalidation');
  }
  await a.close();
  await b.close();
  const four = (xs: number[]): [number, number, number, number] => {
    const s = [...xs].sort((x, y) => x - y);
    return [percentile(s, 0.5), percentile(s, 0.9), percentile(s, 0.99), s[s.length - 1]!];
  };
  return { samples, fromSetStart: four(fromStart), fromSetResolved: four(fromResolved) };
}

interface SharingRow {
  design: string;
  entries: number;
  gets: number;
  hitRatio: number;
  /** GETs Redis ran during the phase (INFO commandstats; a near-cache miss is one GET and one PTTL, pipelined). */
  redisGets: number;
  /** The slowest worker's gets, from its first to its last (worker startup excluded). */
  ms: number;
}

async function sharingRows(url: string, settings: RedisBenchSettings): Promise<SharingRow[]> {
  const admin = createClient({ url });
  await admin.connect();
  for (let k = 0; k < KEYS; k += 500) {
    const batch = admin.multi();
    for (let j = k; j < Math.min(KEYS, k + 500); j++) batch.set(`b:${j}`, `value ${j} `.padEnd(100, '.'));
    await batch.exec();
  }
  const ops = settings.quick ? 1_000 : 50_000;
  const rows: SharingRow[] = [];
  const phase = async (design: string, entries: number, data: (w: number) => object, hits: (results: { hits: number }[]) => Promise<number>) => {
    await admin.configResetStat();
    // Writes while the workers read: 1 per ms to Zipf keys, so both designs see invalidations.
    let writing = true;
    const writes = zipfSampler(KEYS, 0.99, settings.seed ^ 0x5bd1e995);
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await admin.set(`b:${writes()}`, `value ${i} `.padEnd(100, '.'));
        await sleep(1);
      }
    })();
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker({ url, keys: KEYS, ops, seed: settings.seed + w, ...data(w) })));
    const ms = Math.max(...results.map((r) => r.ms)); // the slowest worker's loop, startup excluded
    writing = false;
    await writer;
    const info = await admin.info('commandstats');
    const redisGets = Number(/cmdstat_get:calls=(\d+)/.exec(info)?.[1] ?? 0);
    rows.push({ design, entries, gets: WORKERS * ops, hitRatio: (await hits(results)) / (WORKERS * ops), redisGets, ms });
  };
  const near = await createNearCache({ url, prefix: 'b:', maxEntries: CAPACITY });
  await phase('one shared near cache (@shardmap/redis)', CAPACITY, () => ({ mode: 'near', handle: near.handle, maxEntries: CAPACITY }), async () => near.stats().localHits);
  await near.close();
  const sum = async (results: { hits: number }[]) => results.reduce((n, r) => n + r.hits, 0);
  await phase(`${WORKERS} node-redis client-side caches, ${CAPACITY / WORKERS} entries each`, CAPACITY, () => ({ mode: 'csc', maxEntries: CAPACITY / WORKERS }), sum);
  await phase(`${WORKERS} node-redis client-side caches, ${CAPACITY} entries each`, WORKERS * CAPACITY, () => ({ mode: 'csc', maxEntries: CAPACITY }), sum);
  admin.destroy();
  return rows;
}

function runWorker(data: object): Promise<{ hits: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
    worker.once('message', (m: { ok: boolean; result?: { hits: number; ms: number }; error?: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result!);
      else reject(new Error(`redis bench worker: ${m.error}`));
    });
    worker.once('error', reject);
  });
}

function render(hit: HitCost, latency: Latency, sharing: SharingRow[]): string {
  const us = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
  const span = (xs: number[]) => `${us(median(xs))} [${us(Math.min(...xs))}–${us(Math.max(...xs))}]`;
  const ratio = median(hit.plainGet) / median(hit.nearHit);
  const lines = [
    `Hit cost, one thread, one 100-byte value, every call awaited; µs per call, median [min–max] of ${hit.nearHit.length} interleaved runs:`,
    '',
    '| call | µs | × faster than a GET |',
    '|---|---:|---:|',
    `| NearCache.get, local hit | ${span(hit.nearHit)} | ${ratio.toFixed(1)}× |`,
    `| node-redis client-side cache hit | ${span(hit.cscHit)} | ${(median(hit.plainGet) / median(hit.cscHit)).toFixed(1)}× |`,
    `| node-redis GET on loopback | ${span(hit.plainGet)} | 1× |`,
    '',
    `Local hit ÷ GET: ${ratio.toFixed(1)}× (bar ${BAR}×: ${ratio >= BAR ? 'met' : 'missed'}).`,
    '',
    `Invalidation latency, ${latency.samples} writes on host A of a key host B holds (µs):`,
    '',
    '| from | p50 | p90 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    `| A's set called → applied on B | ${latency.fromSetStart.map(us).join(' | ')} |`,
    `| A's set resolved → applied on B | ${latency.fromSetResolved.map(us).join(' | ')} |`,
    '',
    `Sharing: ${WORKERS} workers, ${sharing[0]!.gets / WORKERS} gets each of Zipf(0.99) keys out of ${KEYS}, while the main thread sets one of them per ms:`,
    '',
    '| design | entries in all | hit ratio | GETs Redis ran | Redis calls saved vs no cache | slowest worker, ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of sharing) {
    lines.push(`| ${r.design} | ${r.entries} | ${(100 * r.hitRatio).toFixed(1)}% | ${r.redisGets} | ${(100 * (1 - r.redisGets / r.gets)).toFixed(1)}% | ${r.ms.toFixed(0)} |`);
  }
  return lines.join('\n');
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const child: ChildProcess = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const probe = createClient({ url, socket: { reconnectStrategy: false } });
    probe.on('error', () => {});
    try {
      await probe.connect();
      probe.destroy();
      break;
    } catch {
      if (attempt > 200 || child.exitCode !== null) throw new Error(`redis bench: redis-server on port ${port} did not start (is /usr/bin/redis-server installed? or set REDIS_URL)`);
      await sleep(25);
    }
  }
  return { url, stop: () => void child.kill('SIGKILL') };
}
