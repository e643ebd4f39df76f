/**
 * A new ShardedCache's buffer: its options checked, its shard count fitted to its bound, each
 * shard's cache region (layout.ts) laid out with its share of the bounds, the default ttl written.
 * The front (cache/cache.ts) then attaches to it and gives every shard its first table.
 *
 * Bounds. `maxEntries` is split over the shards exactly (shard s keeps at most its share), so
 * `size ≤ maxEntries` whenever no writer runs. `maxBytes` is the buffer's ceiling; each shard
 * evicts to keep its entries' bytes (blobs + ENTRY_OVERHEAD) within half its share of what the
 * ceiling leaves after the fixed structures, which leaves room for table growth and size-class
 * rounding; if the heap is full anyway a set evicts the shard's entries until it fits. Only an
 * entry larger than a shard's whole budget throws ERR_SHARDMAP_FULL. `maxBytes` alone bounds the
 * entries to maxBytes / BYTES_PER_IMPLIED_ENTRY.
 *
 * A shard's policy addresses nodes with 16 bits (layout.ts), so a large cache gets more shards
 * than asked for (each keeps < 65536 entries); a cache smaller than its shard count gets fewer.
 */
import { corruptError, optionError } from '../errors.js';
import { Heap } from '../memory.js';
import { Views } from '../views.js';
import { allocateBuffer, parseOptions, type BufferConfig } from '../buffer.js';
import { C_DEFAULT_TTL, MAX_CACHE_NODES, MIN_CAPACITY, MODE_CACHE, S_CACHE_REGION, cachePolicyBase, cacheRegionBytes, cacheWord, shardWord } from '../layout.js';
import type { KeyCodecName, ValueCodecName } from '../types.js';
import { policyLayout } from './policy.js';
import { CacheEngine } from './engine.js';
import { MIN_BYTES_BUDGET } from './reads.js';

/** Entries implied by maxBytes alone: a guess at a small entry's whole cost (slot, blobs, policy). */
const BYTES_PER_IMPLIED_ENTRY = 256;
/** The table bytes set aside per shard before the budgets are split (MIN_CAPACITY tables come next). */
const TABLE_RESERVE = 2 * 1024;
const OPTION_NAMES: ReadonlySet<string> = new Set(['maxEntries', 'maxBytes', 'ttl', 'keys', 'values', 'shards', 'seed']);

export interface ShardedCacheOptions {
  /** At least one of maxEntries / maxBytes. */
  maxEntries?: number;
  /** The shared memory ceiling: the cache evicts to stay under it. */
  maxBytes?: number;
  /** Default time to live in ms; none when absent (or 0). */
  ttl?: number;
  keys?: KeyCodecName;
  values?: ValueCodecName;
  shards?: number;
  seed?: number;
}

/** The buffer of a new cache of `options` (checked: ERR_SHARDMAP_OPTION names the bad one), and its default ttl. */
export function createCacheBuffer(options: ShardedCacheOptions): { config: BufferConfig; ttl: number } {
  const o = (options ?? {}) as ShardedCacheOptions;
  if (typeof o !== 'object') throw optionError('options', 'must be an object');
  for (const name of Object.keys(o)) if (!OPTION_NAMES.has(name)) throw optionError(name, `is not an option of ShardedCache.create (options: ${[...OPTION_NAMES].join(', ')})`);
  if (o.maxEntries === undefined && o.maxBytes === undefined) throw optionError('maxEntries', 'or maxBytes is needed: a cache must be bounded');
  if (o.maxEntries !== undefined && (!Number.isInteger(o.maxEntries) || o.maxEntries < 1 || o.maxEntries > 2 ** 28)) {
    throw optionError('maxEntries', `must be an integer from 1 to 2^28, not ${String(o.maxEntries)}`);
  }
  const ttl = o.ttl ?? 0;
  checkTtl('ttl', ttl);
  const config = parseOptions({ keys: o.keys, values: o.values, shards: o.shards, maxBytes: o.maxBytes, seed: o.seed }, -1);
  const maxEntries = o.maxEntries ?? Math.max(1, Math.floor(config.maxBytes / BYTES_PER_IMPLIED_ENTRY));
  let shardCount = config.shardCount;
  while (shardCount > 1 && shardCount > maxEntries) shardCount >>= 1;
  while (Math.ceil(maxEntries / shardCount) > MAX_CACHE_NODES - 2 && shardCount < 4096) shardCount <<= 1;
  config.shardCount = shardCount;
  config.mode = MODE_CACHE;
  config.memory = allocateBuffer(config, MIN_CAPACITY);
  const views = new Views(config.memory, config.memory.buffer.byteLength);
  const heap = new Heap(views, config.maxBytes, { ownerId: 0, ownerDead: () => false, ownerKnown: () => true, localHold: () => 0 }, shardCount);
  const regions: number[] = [];
  for (let s = 0; s < shardCount; s++) {
    const maximum = Math.floor(maxEntries / shardCount) + (s < maxEntries % shardCount ? 1 : 0);
    const bytes = cacheRegionBytes(maximum + 1, policyLayout(maximum).int32s);
    const region = heap.allocTable(bytes);
    if (region === 0) throw optionError('maxBytes', `${config.maxBytes} cannot hold a cache of ${maxEntries} entries`);
    views.i32.fill(0, region >> 2, (region + bytes) >> 2);
    views.i32[shardWord(s, S_CACHE_REGION)] = region;
    regions.push(region, maximum);
  }
  // Tables come next; what the ceiling leaves is split between the shards.
  const fixed = heap.highWater() + shardCount * TABLE_RESERVE;
  const budget = o.maxBytes === undefined ? 2 ** 31 - 1 : Math.floor((config.maxBytes - fixed) / 2 / shardCount);
  if (budget < MIN_BYTES_BUDGET) throw optionError('maxBytes', `${config.maxBytes} leaves no room for entries (${fixed} bytes of fixed structures)`);
  for (let i = 0; i < regions.length; i += 2) {
    const region = regions[i]!;
    CacheEngine.initRegion(views, region, regions[i + 1]!, budget, cachePolicyBase(region, regions[i + 1]! + 1));
  }
  // The default ttl lives in shard 0's region (C_DEFAULT_TTL), so attach() finds it.
  views.i32[cacheWord(regions[0]!, C_DEFAULT_TTL)] = ttl;
  return { config, ttl };
}

export function checkTtl(option: string, ttl: unknown): asserts ttl is number {
  if (typeof ttl !== 'number' || !(ttl >= 0) || ttl > 2 ** 31) throw optionError(option, `must be a number of milliseconds from 0 (none) to 2^31, not ${String(ttl)}`);
}

/** The default ttl create wrote in shard 0's region (`region`, as the attaching engine checked it). */
export function readDefaultTtl(views: Views, region: number): number {
  const ttl = views.i32[cacheWord(region, C_DEFAULT_TTL)]!;
  if (!(ttl >= 0 && ttl <= 2 ** 31)) throw corruptError('cache', `default ttl ${ttl}`);
  return ttl;
}
