/**
 * ShardedCache against a plain model with the same policy (model.ts's PolicyModel, a Map for the
 * data, the same free-node order): random operation sequences must give the same answers, the
 * same contents and the same size after every step; plus TTL, bounds, fetch and the error paths.
 * Set SHARDMAP_SEED to replay a seed fast-check printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../../src/cache/cache.js';
import { ShardedMap } from '../../src/map.js';
import { ProbeKey, prepareKey } from '../../src/codecs.js';
import { SEED } from '../helpers/seed.js';
import { PolicyModel } from './model.js';
import { PROBATION, PROTECTED, WINDOW } from '../../src/cache/policy.js';
import { SHARED_REPLAY_STRIDE } from '../../src/cache/replay.js';

const CACHE_SEED = 0x5eed;

type Op =
  | { kind: 'set'; key: number; value: number }
  | { kind: 'get' | 'peek' | 'has' | 'delete'; key: number }
  | { kind: 'clear' };

/** The cache as the engine's invariants say it behaves in one thread, one shard. */
class CacheModel {
  readonly data = new Map<number, number>();
  readonly nodeOf = new Map<number, number>();
  readonly keyOf = new Map<number, number>();
  free: number[];
  policy: PolicyModel;
  constructor(readonly maximum: number) {
    this.policy = new PolicyModel(maximum);
    this.free = this.#fresh();
  }
  #fresh(): number[] {
    return Array.from({ length: this.maximum + 1 }, (_, i) => this.maximum - i);
  }
  #hash(key: number): number {
    const probe = new ProbeKey();
    prepareKey(0, key, probe, CACHE_SEED, -1);
    return probe.hash;
  }
  #remove(key: number): void {
    const node = this.nodeOf.get(key)!;
    this.policy.onRemove(node);
    this.data.delete(key);
    this.nodeOf.delete(key);
    this.keyOf.delete(node);
    this.free.push(node);
  }
  get(key: number, record: boolean): number | undefined {
    if (!this.data.has(key)) return undefined;
    if (record) this.policy.onAccess(this.nodeOf.get(key)!);
    return this.data.get(key);
  }
  set(key: number, value: number): void {
    if (this.data.has(key)) {
      this.data.set(key, value);
      this.policy.onAccess(this.nodeOf.get(key)!);
      return;
    }
    const node = this.free.pop()!;
    this.data.set(key, value);
    this.nodeOf.set(key, node);
    this.keyOf.set(node, key);
    const victim = this.policy.onInsert(node, this.#hash(key));
    if (victim >= 0) {
      const victimKey = this.keyOf.get(victim)!;
      this.data.delete(victimKey);
      this.nodeOf.delete(victimKey);
      this.keyOf.delete(victim);
      this.free.push(victim);
    }
  }
  delete(key: number): boolean {
    if (!this.data.has(key)) return false;
    this.#remove(key);
    return true;
  }
  clear(): void {
    this.data.clear();
    this.nodeOf.clear();
    this.keyOf.clear();
    this.policy.clear();
    this.free = this.#fresh();
  }
}

function listsOf(cache: ShardedCache<number, number>): number[][] {
  const policy = cache._engine.policyOf(0);
  return [WINDOW, PROBATION, PROTECTED].map((seg) => {
    const out: number[] = [];
    for (let n = policy.first(seg); n >= 0; n = policy.after(n)) out.push(n);
    return out;
  });
}

function modelLists(model: CacheModel): number[][] {
  return [[...model.policy.window.keys()], [...model.policy.probation.keys()], [...model.policy.protected.keys()]];
}

const opArb = (keys: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(keys), value: fc.integer() }), weight: 5 },
    { arbitrary: fc.record({ kind: fc.constantFrom('get' as const, 'peek' as const, 'has' as const, 'delete' as const), key: fc.nat(keys) }), weight: 5 },
    { arbitrary: fc.constant({ kind: 'clear' as const }), weight: 1 },
  );

describe('ShardedCache against its model', () => {
  it('gives the same answers, contents and size after every operation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 64 }), fc.array(opArb(64), { maxLength: 400 }), (maxEntries, keys, ops) => {
        const cache = ShardedCache.create<number, number>({ maxEntries, shards: 1, keys: 'number', values: 'number', seed: CACHE_SEED });
        const model = new CacheModel(maxEntries);
        for (const raw of ops) {
          const op = raw.kind === 'clear' ? raw : { ...raw, key: raw.key % keys };
          switch (op.kind) {
            case 'set':
              cache.set(op.key, op.value);
              model.set(op.key, op.value);
              break;
            case 'get':
              expect(cache.get(op.key)).toBe(model.get(op.key, true));
              break;
            case 'peek':
              expect(cache.peek(op.key)).toBe(model.get(op.key, false));
              break;
            case 'has':
              expect(cache.has(op.key)).toBe(model.get(op.key, true) !== undefined);
              break;
            case 'delete':
              expect(cache.delete(op.key)).toBe(model.delete(op.key));
              break;
            case 'clear':
              cache.clear();
              model.clear();
              break;
          }
          expect(cache.size).toBe(model.data.size);
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
          // After a write the engine has replayed its buffered hits: its lists are the model's.
          if (op.kind === 'set' || op.kind === 'delete' || op.kind === 'clear') expect(listsOf(cache)).toEqual(modelLists(model));
        }
        expect(new Map([...cache.entries()])).toEqual(model.data);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('keeps every entry while the keys fit, like a Map, over many shards', () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 4096, shards: 8 });
    const map = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const k = `k${(i * 7919) % 1000}`;
      cache.set(k, `v${i}`);
      map.set(k, `v${i}`);
      if (i % 5 === 0) {
        cache.delete(`k${i % 1000}`);
        map.delete(`k${i % 1000}`);
      }
    }
    expect(cache.size).toBe(map.size);
    expect(new Map([...cache])).toEqual(map);
    for (const [k, v] of map) expect(cache.get(k)).toBe(v);
  });

  it('stays within maxEntries over many shards and counts what it evicted', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 1000, shards: 8 });
    for (let i = 0; i < 20000; i++) cache.set(i, i);
    expect(cache.size).toBeLessThanOrEqual(1000);
    const stats = cache.stats();
    expect(stats.maxEntries).toBe(1000);
    expect(stats.evictions).toBe(20000 - cache.size);
    for (const [k, v] of cache) expect(v).toBe(k);
  });
});

describe('ShardedCache hit buffer (engine.ts invariant 4)', () => {
  /** The engine's shard locks, for a test that must hold one while it reads. */
  const shardsOf = (cache: ShardedCache<number, number>) => (cache._engine as unknown as { shards: { lock(s: number): void; hold(s: number): void; unlock(s: number): void } }).shards;

  it('counts every hit: buffered, replayed when the buffer fills, and dropped while the lock is busy', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1, keys: 'number', values: 'number' });
    const other = ShardedCache.attach<number, number>(cache.handle);
    for (let k = 0; k < 3; k++) cache.set(k, k);
    for (let i = 0; i < 200; i++) expect(cache.get(i % 3)).toBe(i % 3); // 3 buffers replayed, 8 hits buffered
    expect(cache.stats().hits).toBe(200); // the shared count plus this instance's pending hits
    expect(other.stats().hits).toBe(192); // another instance sees only what was replayed
    // A buffer that fills while another holder keeps the lock (HELD: readers go on) is dropped for
    // the policy, never waited for, and its hits still count.
    const shards = shardsOf(cache);
    shards.lock(0);
    shards.hold(0);
    for (let i = 0; i < 100; i++) expect(cache.get(i % 3)).toBe(i % 3);
    shards.unlock(0);
    expect(cache.stats().hits).toBe(300);
    cache.set(5, 5); // a write replays what is buffered and adds the pending counts
    expect(other.stats().hits).toBe(300);
    expect(other.stats().misses).toBe(0);
  });

  it("replays every hit of an instance alone, and a sample of one another instance replayed after", () => {
    const a = ShardedCache.create<number, number>({ maxEntries: 1000, shards: 1, keys: 'number', values: 'number', seed: CACHE_SEED });
    const b = ShardedCache.attach<number, number>(a.handle);
    const model = new CacheModel(1000);
    for (let k = 0; k < 100; k++) {
      a.set(k, k);
      model.set(k, k);
    }
    /** 64 gets by `cache` (one full buffer, replayed at the 64th), and what the model says they do. */
    const hitAll = (cache: ShardedCache<number, number>, keys: number[], sampled: boolean) => {
      expect(keys).toHaveLength(64);
      for (const k of keys) expect(cache.get(k)).toBe(k);
      keys.forEach((k, i) => {
        const node = model.nodeOf.get(k)!;
        if (!sampled || model.policy.segmentOf(node) === PROBATION || i % SHARED_REPLAY_STRIDE === SHARED_REPLAY_STRIDE - 1) model.policy.onAccess(node);
        else model.policy.hits++;
      });
      expect(listsOf(a)).toEqual(modelLists(model));
    };
    const first = Array.from({ length: 64 }, (_, i) => i); // probation's 0..63 promoted, in order
    const mixed = Array.from({ length: 64 }, (_, i) => 30 + i); // protected 30..63, probation 64..89, window 90..93
    hitAll(a, first, false); // a wrote last: its own replay, exact
    expect(modelLists(model)[2]).toEqual(first.map((k) => model.nodeOf.get(k)));
    hitAll(b, mixed, true); // another instance replayed last: sampled
    hitAll(b, mixed, false); // b again: exact
    hitAll(a, first, true);
    expect(model.policy.hits).toBe(256);
    expect(a.stats().hits).toBe(256);
  });
});

describe('ShardedCache TTL', () => {
  it('expires entries at their time for get, has, peek and iteration, and reclaims them', () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 100, shards: 2, ttl: 1000 });
    let now = 1_000_000;
    cache._engine.now = () => now;
    cache.set('a', 'default ttl');
    cache.set('b', 'short', { ttl: 10 });
    cache.set('c', 'forever', { ttl: 0 });
    now += 9;
    expect(cache.get('b')).toBe('short');
    now += 1;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.has('b')).toBe(false);
    expect(cache.peek('b')).toBeUndefined();
    expect([...cache.keys()].sort()).toEqual(['a', 'c']);
    expect(cache.stats().expirations).toBe(1); // the get that met it removed it
    now += 990;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe('forever');
    expect(cache.size).toBe(1);
  });

  it('expires number keys on their fast path too, and counts hits and misses there', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 2, keys: 'number', values: 'number' });
    let now = 5_000;
    cache._engine.now = () => now;
    cache.set(1, 10, { ttl: 10 });
    cache.set(2, 20);
    expect(cache.get(1)).toBe(10);
    expect(cache.get(3)).toBeUndefined();
    now += 10;
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(2)).toBe(20);
    const stats = cache.stats();
    expect([stats.hits, stats.misses, stats.expirations, stats.size]).toEqual([2, 2, 1, 1]);
  });

  it('reuses the memory of expired entries without anyone deleting them', () => {
    const cache = ShardedCache.create<number, string>({ maxEntries: 5000, shards: 4 });
    let now = 0;
    cache._engine.now = () => now;
    const value = 'x'.repeat(200);
    for (let i = 0; i < 4000; i++) cache.set(i, value, { ttl: 50 });
    const afterFirst = cache.stats().bytesUsed;
    for (let round = 1; round <= 5; round++) {
      now += 100; // every entry of the last round has expired
      for (let i = 0; i < 4000; i++) cache.set(round * 10000 + i, value, { ttl: 50 });
    }
    const stats = cache.stats();
    expect(stats.size).toBeLessThanOrEqual(5000);
    expect(stats.expirations + stats.evictions).toBeGreaterThanOrEqual(5 * 4000 - 5000);
    expect(stats.bytesUsed).toBeLessThanOrEqual(afterFirst * 1.6);
  });
});

describe('ShardedCache maxBytes', () => {
  it('evicts to stay within its byte budget instead of throwing', () => {
    const cache = ShardedCache.create<number, string>({ maxBytes: 1 << 20, shards: 4 });
    const value = 'y'.repeat(1000);
    for (let i = 0; i < 5000; i++) cache.set(i, value);
    const stats = cache.stats();
    expect(stats.bytesUsed).toBeLessThanOrEqual(1 << 20);
    expect(stats.size).toBeGreaterThan(50);
    expect(stats.evictions).toBe(5000 - stats.size);
    expect(cache.get(4999)).toBe(value);
  });

  it('throws ERR_SHARDMAP_FULL only for an entry larger than the budget, changing nothing', () => {
    const cache = ShardedCache.create<number, string>({ maxBytes: 1 << 20, shards: 4 });
    cache.set(1, 'kept');
    expect(() => cache.set(2, 'z'.repeat(1 << 19))).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_FULL' }));
    expect(cache.get(1)).toBe('kept');
    expect(cache.size).toBe(1);
  });
});

describe('ShardedCache.fetch in one thread', () => {
  it('runs the loader once for concurrent callers and stores its value', async () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 100 });
    let runs = 0;
    const load = async (k: string): Promise<string> => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return `loaded ${k}`;
    };
    const got = await Promise.all([cache.fetch('k', load), cache.fetch('k', load), cache.fetch('k', load)]);
    expect(got).toEqual(['loaded k', 'loaded k', 'loaded k']);
    expect(runs).toBe(1);
    expect(cache.get('k')).toBe('loaded k');
    expect(await cache.fetch('k', load)).toBe('loaded k');
    expect(runs).toBe(1);
    const stats = cache.stats();
    expect(stats.loads).toBe(1);
    expect(stats.loadWaits).toBe(2);
  });

  it('rejects every waiter with the loader error and stores nothing', async () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 100 });
    const load = async (): Promise<string> => {
      await new Promise((r) => setTimeout(r, 20));
      throw Object.assign(new RangeError('backend down'), { code: 'E_BACKEND' });
    };
    const results = await Promise.allSettled([cache.fetch('k', load), cache.fetch('k', load)]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as Error & { code?: string };
      expect(reason.message).toBe('backend down');
      expect(reason.code).toBe('E_BACKEND');
      expect(reason).toBeInstanceOf(RangeError);
    }
    expect(cache.has('k')).toBe(false);
    expect(cache.stats().loadFailures).toBe(1);
    expect(await cache.fetch('k', () => 'second try')).toBe('second try');
  });
});

describe('ShardedCache errors', () => {
  it('refuses bad options by name', () => {
    const bad: unknown[] = [{}, { maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: 10, ttl: -1 }, { maxEntries: 10, bogus: 1 }, { maxEntries: 10, shards: 3 }];
    for (const o of bad) expect(() => ShardedCache.create(o as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_OPTION' }));
    const cache = ShardedCache.create({ maxEntries: 10 });
    expect(() => cache.set('a', 1, { ttl: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_OPTION' }));
    expect(cache.size).toBe(0);
  });

  it('tells a cache handle from a map handle', () => {
    const cache = ShardedCache.create({ maxEntries: 10 });
    const map = ShardedMap.create();
    expect(() => ShardedMap.attach(cache.handle as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_BAD_BUFFER' }));
    expect(() => ShardedCache.attach(map.handle as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_BAD_BUFFER' }));
    expect(() => ShardedCache.attach(cache as never)).toThrow(/cache\.handle/);
    cache.set('x', 1);
    expect(ShardedCache.attach(cache.handle).get('x')).toBe(1);
  });

  it('refuses writes from inside a map update() callback, and a non-function loader', async () => {
    const cache = ShardedCache.create({ maxEntries: 10 });
    const map = ShardedMap.create();
    expect(() => map.update('k', () => (cache.set('a', 1), 1))).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_REENTRANT' }));
    expect(cache.size).toBe(0);
    await expect(cache.fetch('a', 5 as never)).rejects.toThrow(TypeError);
    expect(() => cache.forEach(5 as never)).toThrow(TypeError);
  });

  it('rejects values the codec cannot hold, changing nothing', () => {
    const cache = ShardedCache.create<string, number>({ maxEntries: 10, values: 'number' });
    cache.set('a', 1);
    expect(() => cache.set('a', 'no' as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_VALUE' }));
    expect(cache.get('a')).toBe(1);
  });
});
