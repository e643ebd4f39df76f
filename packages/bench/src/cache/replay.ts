/**
 * Trace replays for the hit-ratio bench: for each key, a get and, on a miss, a set (the README's
 * replay). Three caches: `lru-cache` (exact LRU, measured), the core's eviction policy driven by a
 * plain single-threaded cache (a JS Map from key to node; the policy picks every victim), and the
 * same split over shards by key hash, each shard with its own policy of maximum/shards entries,
 * as ShardedCache will run it.
 *
 * The policy is loaded from the core's build (dist/cache/policy.js, beside the bundle), as
 * core-loader.ts loads the map: it is not part of the package's public entry points.
 */
import { LRUCache } from 'lru-cache';

export interface PolicyLike {
  readonly maximum: number;
  onInsert(node: number, hash: number): number;
  onAccess(node: number): void;
}

export interface PolicyModule {
  policyLayout(maximum: number): { readonly int32s: number };
  EvictionPolicy: { init(i32: Int32Array, base: number, maximum: number): PolicyLike };
}

/** The core's policy module, from the build next to the package's bundle. */
export async function loadPolicyModule(): Promise<PolicyModule> {
  const entry = import.meta.resolve('@shardmap/core');
  return (await import(new URL('../cache/policy.js', entry).href)) as PolicyModule;
}

export function lruHitRatio(keys: Int32Array, size: number): number {
  const cache = new LRUCache<number, true>({ max: size });
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (cache.get(k) !== undefined) hits++;
    else cache.set(k, true);
  }
  return hits / keys.length;
}

/** The map's integer key hash (core/src/hash.ts hashInt32: Murmur3's fmix32 of key ^ seed). */
export function hashKey(key: number, seed: number): number {
  let h = key ^ seed;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** One shard: its policy in its own region of a shared buffer, its keys, its free nodes. */
class SimShard {
  readonly policy: PolicyLike;
  readonly nodes = new Map<number, number>();
  readonly keyOf: Int32Array;
  readonly free: number[];

  constructor(mod: PolicyModule, maximum: number) {
    const i32 = new Int32Array(new SharedArrayBuffer(mod.policyLayout(maximum).int32s * 4));
    this.policy = mod.EvictionPolicy.init(i32, 0, maximum);
    this.keyOf = new Int32Array(maximum + 1);
    this.free = Array.from({ length: maximum + 1 }, (_, i) => maximum - i);
  }

  /** One request; true on a hit. */
  request(key: number, hash: number): boolean {
    const node = this.nodes.get(key);
    if (node !== undefined) {
      this.policy.onAccess(node);
      return true;
    }
    const fresh = this.free.pop()!;
    this.nodes.set(key, fresh);
    this.keyOf[fresh] = key;
    const victim = this.policy.onInsert(fresh, hash);
    if (victim >= 0) {
      this.nodes.delete(this.keyOf[victim]!);
      this.free.push(victim);
    }
    return false;
  }
}

/**
 * The policy's hit ratio with room for `size` keys over `shards` shards (a power of two; the
 * shard is the hash's low bits, as in the map), shard i holding its share of size.
 */
export function policyHitRatio(mod: PolicyModule, keys: Int32Array, size: number, shards: number, seed: number): number {
  const sims: SimShard[] = [];
  for (let i = 0; i < shards; i++) sims.push(new SimShard(mod, Math.max(1, Math.floor(size / shards) + (i < size % shards ? 1 : 0))));
  const mask = shards - 1;
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const hash = hashKey(keys[i]!, seed);
    if (sims[hash & mask]!.request(keys[i]!, hash)) hits++;
  }
  return hits / keys.length;
}
