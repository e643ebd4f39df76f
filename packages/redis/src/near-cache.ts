/**
 * NearCache: the public front. createNearCache (main thread) makes the host's ShardedCache, its
 * coherence block and its tracking connection; NearCache.attach (any thread) opens a command
 * connection of its own on the same shared cache. Every method is: argument checks, then
 * coherence.ts's protocol around one Redis command.
 *
 * The read path: a servable entry (coherence.ts invariant 1) is a local hit, no Redis call. A miss
 * takes its bucket's FILLER (or waits for the caller that has it, then looks again), loads the
 * ticket, sends GET and PTTL (pipelined), and settles the reply (invariants 3, 4): the value is stored with
 * Redis's remaining time to live (bounded by the `ttl` option) unless something came in between.
 * While tracking is down (STALE) every get is a Redis GET and nothing is stored.
 *
 * Writes go to Redis first; their reply is settled like a GET's, so the writer's own thread reads
 * its write at once. Redis then reports the write to every host, this one included (BCAST reports
 * every writer), which deletes the local copy again: the next get of the key is a miss.
 */
import { ShardedCache, threadToken, type ShardedCacheHandle } from '@shardmap/core';
import { Coherence, bucketOf, freeFillers } from './coherence.js';
import { closeClient, openCommandClient, type CommandClient } from './connection.js';
import { badHandleError, closedError, keyError, optionError, redisError, valueError } from './errors.js';
import { afterGetHooks } from './hooks.js';
import { H_NEXT_SLOT, H_STATE, SLOTS, STATE_LIVE, STAT_FILLS, STAT_HITS, STAT_INVALIDATIONS, STAT_MISSES, STAT_RECONNECTS, STAT_REFUSED, bucketBitsFor, createCoherence, statWord, viewsOf, type CoherenceViews } from './layout.js';
import { Tracking } from './tracking.js';

export interface NearCacheOptions {
  /** redis://host:port (any URL node-redis accepts). */
  url: string;
  /** Bounds of the shared cache (at least one); as ShardedCache's. Default maxEntries 10 000. */
  maxEntries?: number;
  maxBytes?: number;
  /** The longest an entry lives here, in ms; Redis's own expiry ends it sooner. None by default. */
  ttl?: number;
  /** The keys this near cache serves (and Redis reports writes of); '' (default) is every key. */
  prefix?: string;
  /** How values are stored in Redis: as given ('string', default) or JSON text ('json'). */
  values?: 'string' | 'json';
}

/** The plain, structured-cloneable object that carries a near cache to other threads. */
export interface NearCacheHandle {
  readonly kind: 'shardmap-near-cache';
  readonly cache: ShardedCacheHandle;
  readonly coherence: SharedArrayBuffer;
  readonly url: string;
  readonly prefix: string;
  readonly values: 'string' | 'json';
  readonly ttl: number;
}

/** Counters of every thread of the host, summed (each thread adds to its own slot). */
export interface NearCacheStats {
  localHits: number;
  misses: number;
  /** Replies stored in the shared cache. */
  fills: number;
  /** Invalidation messages applied (a flush counts one). */
  invalidations: number;
  /** Replies not stored because an invalidation, a flush or another reply came first. */
  staleFillsRefused: number;
  /** Times tracking was re-established after a loss. */
  reconnects: number;
  /** Whether tracking is on now (else every get goes to Redis). */
  tracking: boolean;
  /** Entries in the shared cache, servable or not yet reclaimed. */
  size: number;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['url', 'maxEntries', 'maxBytes', 'ttl', 'prefix', 'values']);
const DEFAULT_MAX_ENTRIES = 10_000;
/** A get that keeps finding its bucket busy (other keys' fetches) fetches unguarded after this. */
const MAX_FILLER_WAITS = 4;

/** Main thread: creates the shared cache and the invalidation connection. */
export async function createNearCache<V = string>(options: NearCacheOptions): Promise<NearCache<V>> {
  const o = checkOptions(options);
  const cache = ShardedCache.create<string, string>({
    ...(o.maxEntries === undefined && o.maxBytes === undefined ? { maxEntries: DEFAULT_MAX_ENTRIES } : {}),
    ...(o.maxEntries !== undefined ? { maxEntries: o.maxEntries } : {}),
    ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}),
    keys: 'string',
    values: 'string',
  });
  const views = createCoherence(bucketBitsFor(cache.stats().maxEntries));
  const handle: NearCacheHandle = Object.freeze({ kind: 'shardmap-near-cache', cache: cache.handle, coherence: views.sab, url: o.url, prefix: o.prefix ?? '', values: o.values ?? 'string', ttl: o.ttl ?? 0 });
  const coherence = new Coherence(views, cache, claimSlot(views), threadToken());
  const tracking = await Tracking.open(o.url, handle.prefix, coherence);
  let client: CommandClient;
  try {
    client = await openCommandClient(o.url);
  } catch (error) {
    await tracking.close();
    throw error;
  }
  return construct(handle, cache, coherence, client, tracking) as NearCache<V>;
}

/** The class's private constructor, for createNearCache (set in NearCache's static block). */
let construct: (handle: NearCacheHandle, cache: ShardedCache<string, string>, coherence: Coherence, client: CommandClient, tracking: Tracking | undefined) => NearCache<unknown>;

/**
 * A near cache of one host, shared by every thread that attached its handle. Memory-model
 * promise: after a set() resolves on any host, a get() on this host returns that value or a newer
 * one as soon as Redis's invalidation of the key has been applied here (stats().invalidations
 * counts them); no get on this host returns a value older, in Redis's order, than one another get
 * of this host has already returned; while tracking is down nothing is served from memory.
 */
export class NearCache<V = string> {
  readonly handle: NearCacheHandle;
  readonly #cache: ShardedCache<string, string>;
  readonly #coherence: Coherence;
  readonly #views: CoherenceViews;
  readonly #client: CommandClient;
  readonly #tracking: Tracking | undefined;
  readonly #json: boolean;
  readonly #prefix: string;
  readonly #ttl: number;
  #closed = false;

  static {
    construct = (...args) => new NearCache(...args);
  }

  /** Use createNearCache() or NearCache.attach(). */
  private constructor(handle: NearCacheHandle, cache: ShardedCache<string, string>, coherence: Coherence, client: CommandClient, tracking: Tracking | undefined) {
    this.handle = handle;
    this.#cache = cache;
    this.#coherence = coherence;
    this.#views = coherence.views;
    this.#client = client;
    this.#tracking = tracking;
    this.#json = handle.values === 'json';
    this.#prefix = handle.prefix;
    this.#ttl = handle.ttl;
  }

  /** Any thread: attaches to the host's cache; opens its own connection for misses and writes. */
  static async attach<V = string>(handle: NearCacheHandle, options?: { url?: string }): Promise<NearCache<V>> {
    const h = handle as Partial<NearCacheHandle> | null;
    if (h === null || typeof h !== 'object' || h.kind !== 'shardmap-near-cache') throw badHandleError('pass nearCache.handle');
    const views = viewsOf(h.coherence);
    if (views === undefined) throw badHandleError('its coherence block is missing or of another layout version');
    const cache = ShardedCache.attach<string, string>(h.cache!);
    const url = options?.url ?? h.url!;
    if (typeof url !== 'string' || url === '') throw optionError('url', 'must be a redis:// URL');
    const client = await openCommandClient(url);
    return new NearCache<V>(handle, cache, new Coherence(views, cache, claimSlot(views), threadToken()), client, undefined);
  }

  /**
   * Frees what a dead thread held: its shard locks in the shared cache (ShardedCache.recoverThread)
   * and the buckets whose single flight it had taken. Call it with the dead thread's
   * `threadToken()` (a pool's exit handler does); without it, those buckets wait FILLER_STEAL_MS
   * once, then fetch anyway.
   */
  static recoverThread(handle: NearCacheHandle, token: number): { fillersFreed: number; shardsRecovered: number } {
    const views = viewsOf(handle?.coherence);
    if (views === undefined) throw badHandleError('pass nearCache.handle');
    const { shardsRecovered } = ShardedCache.recoverThread(handle.cache, token);
    return { fillersFreed: freeFillers(views, token), shardsRecovered };
  }

  get [Symbol.toStringTag](): string {
    return 'NearCache';
  }

  /** A local hit, or a Redis GET and a local fill. Rejects with ERR_SHARDMAP_REDIS when Redis cannot answer. */
  async get(key: string): Promise<V | undefined> {
    this.#check('get', key);
    const hit = this.#coherence.lookup(key);
    if (hit !== undefined) {
      this.#coherence.count(STAT_HITS);
      return this.#decode(hit);
    }
    this.#coherence.count(STAT_MISSES);
    return this.#getSlow(key);
  }

  async #getSlow(key: string): Promise<V | undefined> {
    const coherence = this.#coherence;
    const bucket = bucketOf(this.#views, key);
    let holding = coherence.tryTakeFiller(bucket);
    for (let waits = 0; !holding && waits < MAX_FILLER_WAITS; waits++) {
      holding = await coherence.waitFillerSlow(bucket);
      if (holding) break;
      // Another caller fetched for this bucket meanwhile: look again before fetching.
      const hit = coherence.lookup(key);
      if (hit !== undefined) return this.#decode(hit);
      holding = coherence.tryTakeFiller(bucket);
    }
    try {
      return await this.#fetch(key);
    } finally {
      if (holding) coherence.releaseFiller(bucket);
    }
  }

  async #fetch(key: string): Promise<V | undefined> {
    const ticket = this.#coherence.ticket(key); // before the command is sent (invariant 3)
    let raw: string | null;
    let pttl: number;
    try {
      // Pipelined, one round trip (a MULTI costs ~4× a GET through node-redis here). Not atomic:
      // a PTTL of a newer write belongs to a write whose invalidation kills this fill anyway.
      [raw, pttl] = await Promise.all([this.#client.get(key), this.#client.pTTL(key)]);
    } catch (error) {
      throw redisError(`GET ${JSON.stringify(key)} failed`, error);
    }
    const hook = afterGetHooks.get(this);
    if (hook !== undefined) await hook(key);
    // PTTL -2: the key expired or went between the two commands; return the value, store nothing.
    this.#coherence.settle(ticket, key, pttl === -2 ? null : raw, localTtl(this.#ttl, pttl));
    return raw === null ? undefined : this.#decode(raw);
  }

  /** Redis first (SET, with PX when `ttl` is given), then the local copy. */
  async set(key: string, value: V, options?: { ttl?: number }): Promise<void> {
    this.#check('set', key);
    const ttl = options?.ttl;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 2 ** 31)) throw optionError('ttl', `must be an integer number of ms from 1 to 2^31, not ${String(ttl)}`);
    const raw = this.#encode(value);
    const ticket = this.#coherence.ticket(key);
    try {
      await this.#client.set(key, raw, ttl === undefined ? undefined : { expiration: { type: 'PX', value: ttl } });
    } catch (error) {
      throw redisError(`SET ${JSON.stringify(key)} failed`, error);
    }
    this.#coherence.settle(ticket, key, raw, localTtl(this.#ttl, ttl ?? -1));
  }

  /** Redis DEL, then the local copy; true if Redis had the key. */
  async delete(key: string): Promise<boolean> {
    this.#check('delete', key);
    const ticket = this.#coherence.ticket(key);
    let removed: number;
    try {
      removed = await this.#client.del(key);
    } catch (error) {
      throw redisError(`DEL ${JSON.stringify(key)} failed`, error);
    }
    this.#coherence.settle(ticket, key, null, 0); // kills every copy (invariant 3)
    return removed > 0;
  }

  /** The host's counters: every thread's, summed. */
  stats(): NearCacheStats {
    const v = this.#views;
    const sum = (stat: number): number => {
      let n = 0n;
      for (let slot = 0; slot < SLOTS; slot++) n += Atomics.load(v.stats, statWord(slot, stat));
      return Number(n);
    };
    return {
      localHits: sum(STAT_HITS),
      misses: sum(STAT_MISSES),
      fills: sum(STAT_FILLS),
      invalidations: sum(STAT_INVALIDATIONS),
      staleFillsRefused: sum(STAT_REFUSED),
      reconnects: sum(STAT_RECONNECTS),
      tracking: Atomics.load(v.header, H_STATE) === STATE_LIVE,
      size: this.#cache.size,
    };
  }

  /** Closes this instance's connection; on the creating instance, the invalidation connection too (the host's cache then serves nothing from memory). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tracking?.close();
    await closeClient(this.#client);
  }

  #check(method: string, key: unknown): asserts key is string {
    if (this.#closed) throw closedError(method);
    if (typeof key !== 'string' || !key.startsWith(this.#prefix)) throw keyError(key, this.#prefix);
  }

  #encode(value: V): string {
    if (!this.#json) {
      if (typeof value !== 'string') throw valueError(`a near cache of values 'string' stores strings, not ${value === null ? 'null' : typeof value}`);
      return value;
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw valueError(`the value cannot be written as JSON: ${(error as Error).message}`);
    }
    if (text === undefined) throw valueError(`${typeof value} has no JSON form`);
    return text;
  }

  #decode(raw: string): V {
    if (!this.#json) return raw as V;
    try {
      return JSON.parse(raw) as V;
    } catch {
      throw valueError(`the value in Redis is not JSON (values: 'json'): ${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}`);
    }
  }
}

/** Each instance adds to its own stats slot (layout.ts); past SLOTS instances, slots are shared. */
function claimSlot(views: CoherenceViews): number {
  return Atomics.add(views.header, H_NEXT_SLOT, 1) % SLOTS;
}

/** The local time to live of a reply: Redis's remaining one (PTTL, -1 for none), bounded by `ttl`. */
function localTtl(ttl: number, pttl: number): number {
  if (pttl > 0) return ttl > 0 ? Math.min(ttl, pttl) : Math.min(pttl, 2 ** 31);
  return ttl;
}

function checkOptions(options: NearCacheOptions): NearCacheOptions {
  if (options === null || typeof options !== 'object') throw optionError('options', 'must be an object');
  for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw optionError(name, `is not an option of createNearCache (options: ${[...OPTION_NAMES].join(', ')})`);
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw optionError('url', `must be a redis:// URL, not ${String(options.url)}`);
  if (options.prefix !== undefined && typeof options.prefix !== 'string') throw optionError('prefix', 'must be a string');
  if (options.values !== undefined && options.values !== 'string' && options.values !== 'json') throw optionError('values', `must be 'string' or 'json', not ${String(options.values)}`);
  if (options.ttl !== undefined && (!Number.isInteger(options.ttl) || options.ttl < 0 || options.ttl > 2 ** 31)) throw optionError('ttl', `must be an integer number of ms from 0 (none) to 2^31, not ${String(options.ttl)}`);
  return options;
}
