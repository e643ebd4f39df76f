/**
 * ShardedCache crash safety at every named kill point its writes pass (its own `cache.*` points
 * and the table layer's `table.*` ones). A worker parks at a point; the test terminates it, runs
 * ShardedCache.recoverThread as a pool does, and checks the cache against a replica run in this
 * thread up to and including the killed operation: every entry holds its key's value before or
 * after that operation, no key twice, `size` exact and within the bound, at least as many
 * entries as either outcome less one eviction, and the policy's lists naming exactly the
 * entries. Then a random tail of operations must keep "get(k) is the last value set or nothing".
 */
import { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShardedCache } from '../packages/core/src/cache/cache.js';
import { PROBATION, PROTECTED, WINDOW } from '../packages/core/src/cache/policy.js';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS fixture
import { CACHE_SCENARIOS, MAX, applyCacheOp } from './fixtures/cache-kill-ops.mjs';

type Op = [string, ...unknown[]];
const scenarios = CACHE_SCENARIOS as Record<string, { setup: Op[]; ops: Op[] }>;
const seed = Number(process.env.SHARDMAP_SEED ?? Math.floor(Math.random() * 2 ** 31));

function cachePoints(): string[] {
  const root = fileURLToPath(new URL('../packages/core/src/cache', import.meta.url));
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      if (statSync(path).isDirectory()) walk(path);
      else if (f.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/killPoint\('([\w.-]+)'\)/g)) names.add(m[1]!);
    }
  };
  walk(root);
  return [...names].sort();
}

function fresh(scenario: string, upTo = 0): ShardedCache<unknown, unknown> {
  const cache = ShardedCache.create<unknown, unknown>({ maxEntries: MAX, shards: 1, seed: 0x5eed });
  for (const op of scenarios[scenario]!.setup) applyCacheOp(cache, op);
  for (let i = 0; i < upTo; i++) applyCacheOp(cache, scenarios[scenario]!.ops[i]);
  return cache;
}

interface Run {
  token: number;
  parked: boolean;
  progress: number;
  visited: string[];
}

async function runWorker(cache: ShardedCache<unknown, unknown>, scenario: string, point: string | undefined): Promise<Run> {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./fixtures/cache-kill-worker.mjs', import.meta.url), {
    workerData: { handle: cache.handle, scenario, point, flag: flag.buffer, progress: progress.buffer, trace: point === undefined },
  });
  let token = 0;
  let visited: string[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { token?: number; done?: boolean; visited?: string[] }) => {
      if (m.token !== undefined) token = m.token;
      if (m.done) {
        visited = m.visited ?? [];
        resolve();
      }
    });
    worker.once('error', reject);
  });
  const parked = (async () => {
    while (Atomics.load(flag, 0) === 0) await Atomics.waitAsync(flag, 0, 0, 100).value;
  })();
  const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error(`${scenario}: worker neither parked nor finished`)), 30_000));
  const which = await Promise.race([finished.then(() => 'done'), parked.then(() => 'parked'), deadline]);
  const at = Atomics.load(progress, 0);
  await worker.terminate();
  return { token, parked: which === 'parked', progress: at, visited };
}

function entriesOf(cache: ShardedCache<unknown, unknown>, what: string): Map<unknown, unknown> {
  const seen = new Map<unknown, unknown>();
  for (const [k, v] of cache.entries()) {
    expect(seen.has(k), `${what}: key ${String(k)} iterated twice`).toBe(false);
    seen.set(k, v);
  }
  return seen;
}

function listed(cache: ShardedCache<unknown, unknown>): number {
  const policy = cache._engine.policyOf(0);
  let n = 0;
  for (const seg of [WINDOW, PROBATION, PROTECTED]) for (let node = policy.first(seg); node >= 0; node = policy.after(node)) n++;
  return n;
}

async function killAndCheck(point: string, scenario: string): Promise<void> {
  const cache = fresh(scenario);
  const run = await runWorker(cache, scenario, point);
  const what = `${point} (scenario ${scenario}, op ${run.progress}, seed ${seed})`;
  expect(run.parked, `${what}: the point was not reached`).toBe(true);
  ShardedCache.recoverThread(cache.handle, run.token);
  const before = entriesOf(fresh(scenario, run.progress), what);
  const after = entriesOf(fresh(scenario, run.progress + 1), what);
  const seen = entriesOf(cache, what);
  for (const [k, v] of seen) expect([before.get(k), after.get(k)], `${what}: ${String(k)} holds a value it never had`).toContain(v);
  expect(cache.size, `${what}: size`).toBe(seen.size);
  expect(cache.size).toBeLessThanOrEqual(MAX);
  expect(seen.size, `${what}: entries lost`).toBeGreaterThanOrEqual(Math.min(before.size, after.size) - 1);
  expect(listed(cache), `${what}: the policy's lists`).toBe(cache.size);
  // The tail: the cache keeps working and never answers a value that is not the key's last.
  let x = (seed ^ point.length) >>> 0 || 1;
  const last = new Map<unknown, unknown>(seen);
  for (let i = 0; i < 200; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const key = x % 9;
    if (x % 3 === 0) {
      const value = x % 2 === 0 ? `t${i}` : `t${i}`.repeat(30);
      cache.set(key, value);
      last.set(key, value);
    } else if (x % 3 === 1) {
      const got = cache.get(key);
      if (got !== undefined) expect(got, `${what}: tail get(${key})`).toBe(last.get(key));
    } else {
      cache.delete(key);
      last.delete(key);
    }
    expect(cache.size).toBeLessThanOrEqual(MAX);
  }
  expect(listed(cache), `${what}: the policy's lists after the tail`).toBe(cache.size);
  expect(entriesOf(cache, what).size).toBe(cache.size);
}

describe('every kill point of a cache write', () => {
  const where = new Map<string, string>();
  // cache/flight.ts's `flight.*` points are pauses for tests/cache-flight-pause.test.ts: fetch()
  // writes no entry there.
  const own = cachePoints().filter((p) => p.startsWith('cache.'));

  it('every cache point is reached by a scenario', async () => {
    for (const scenario of Object.keys(scenarios)) {
      const run = await runWorker(fresh(scenario), scenario, undefined);
      expect(run.parked).toBe(false);
      for (const p of run.visited) if (!where.has(p)) where.set(p, scenario);
    }
    expect(own.filter((p) => !where.has(p)), 'cache points no scenario reaches').toEqual([]);
    expect(own.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('a death at any of them (and at the table points they pass) loses nothing and leaves the bound', async () => {
    const points = [...where.keys()].filter((p) => p.startsWith('cache.') || p.startsWith('table.'));
    expect(points.length).toBeGreaterThanOrEqual(own.length + 3);
    for (const point of points) await killAndCheck(point, where.get(point)!);
    console.log(`FIGURE cache-kill-points: points=${points.length} seed=${seed}`);
  }, 300_000);
});
