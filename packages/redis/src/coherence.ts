/**
 * The coherence protocol: when a cached entry may be served, when a value fetched from Redis may
 * be stored, and what an invalidation does — over the ShardedCache and the coherence block
 * (layout.ts). No Redis here: the callers (near-cache.ts, tracking.ts) bring the replies.
 *
 * Words (layout.ts): STATE (LIVE while tracking is on), GEN (the flush generation), and per bucket
 * of the key hash an EPOCH and a FILLER. An entry is stored as TAG + raw value, TAG being the four
 * UTF-16 units of (gen, epoch): the generation and the bucket's epoch the entry was filled under.
 *
 * Invariants (the code cites them by number):
 *  1. An entry is served only if, loaded after the entry itself, STATE is LIVE, GEN equals the
 *     tag's gen and the bucket's EPOCH equals the tag's epoch. So whatever changes GEN or EPOCH
 *     kills entries at once for every thread; deleting them from the cache only frees the room.
 *  2. An invalidation of key k from Redis adds 1 to EPOCH[bucket(k)] before it deletes k. A flush
 *     message, the loss of the tracking connection and its re-establishment add 1 to GEN (the loss
 *     stores STALE first; re-establishment stores LIVE last, after Redis acknowledged tracking).
 *  3. Every reply that a get or a set returns to its caller (a value, or nil) changes its bucket's
 *     EPOCH once it arrives: by compareExchange(e0 → e0+1), e0 being the EPOCH loaded (with STATE
 *     and GEN: the ticket) before the command was sent; or, if that fails, by adding 1.
 *  4. A fill stores a value tagged (gen0, e0+1) only after its own compareExchange of invariant 3
 *     succeeded, and only if GEN still equals the ticket's gen0 and STATE is LIVE.
 *
 * Why these give Redis's order (the contract):
 *  - No resurrection. A GET that returned the old value of k ran before the write; the write's
 *    invalidation is applied (2) after it. If it is applied before the fill's compareExchange, the
 *    exchange fails (4: no fill); if after, the EPOCH moved past the tag and the entry is dead (1).
 *  - Nothing older after something newer. Say a reader returned v2 (a reply, 3) and a later read
 *    is served v1 from an entry filled by F, older in Redis's order. F's exchange e → e+1 came
 *    after the reader's change c of the EPOCH (else c killed F's entry), so F loaded e after c, so
 *    F sent its GET after the reader's reply arrived, so Redis ran it later: v1 is not older.
 *  - Nothing stale after a loss. While STALE nothing is served (1); tickets taken before the loss
 *    or during it carry a generation that re-establishment retires (2, 4).
 * Costs of this design, accepted: every reply kills the other entries of its bucket (8 buckets
 * per entry: layout.ts), and a concurrent get or set of a key kills the entry another caller has
 * just filled (it cannot tell whose reply is newer). FILLER (single flight per bucket) keeps the
 * second case rare among gets: while one caller fetches, the others of the bucket wait for it.
 * Epochs and generations wrap at 2^32: an entry that outlives 2^32 changes of its bucket could be
 * served again. A dead thread's FILLER is stolen after FILLER_STEAL_MS (or freed by recoverThread).
 */
import type { ShardedCache } from '@shardmap/core';
import {
  H_GEN,
  H_STATE,
  STATE_LIVE,
  STATE_STALE,
  STAT_INVALIDATIONS,
  STAT_REFUSED,
  STAT_FILLS,
  type CoherenceViews,
  epochWord,
  fillerWord,
  statWord,
} from './layout.js';

/** How long a get waits on another caller's fetch of its bucket before it fetches itself. */
export const FILLER_STEAL_MS = 200;
const TAG_LENGTH = 4;

/** What a get or set loaded before sending its command (invariant 3). */
export interface Ticket {
  readonly bucket: number;
  readonly live: boolean;
  readonly gen: number;
  readonly epoch: number;
}

/** The bucket of a key: FNV-1a over its UTF-16 code units, then Murmur3's fmix32. */
export function bucketOf(views: CoherenceViews, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & views.bucketMask;
}

const tagOf = (gen: number, epoch: number): string => String.fromCharCode(gen >>> 16, gen & 0xffff, epoch >>> 16, epoch & 0xffff);
const tagIs = (entry: string, gen: number, epoch: number): boolean =>
  entry.charCodeAt(0) === gen >>> 16 && entry.charCodeAt(1) === (gen & 0xffff) && entry.charCodeAt(2) === epoch >>> 16 && entry.charCodeAt(3) === (epoch & 0xffff);

/** One instance's side of the protocol: its cache view, its stats slot. */
export class Coherence {
  readonly views: CoherenceViews;
  readonly #cache: ShardedCache<string, string>;
  readonly #slot: number;
  readonly #token: number;

  constructor(views: CoherenceViews, cache: ShardedCache<string, string>, slot: number, token: number) {
    this.views = views;
    this.#cache = cache;
    this.#slot = slot;
    this.#token = token;
  }

  count(stat: number, n = 1): void {
    Atomics.add(this.views.stats, statWord(this.#slot, stat), BigInt(n));
  }

  isLive(): boolean {
    return Atomics.load(this.views.header, H_STATE) === STATE_LIVE;
  }

  /** The raw value of a servable entry (invariant 1), else undefined. */
  lookup(key: string): string | undefined {
    const entry = this.#cache.get(key);
    if (entry === undefined || entry.length < TAG_LENGTH) return undefined;
    // The words after the entry: a change that came before this load kills it.
    const v = this.views;
    if (Atomics.load(v.header, H_STATE) !== STATE_LIVE) return undefined;
    const gen = Atomics.load(v.header, H_GEN);
    const epoch = Atomics.load(v.buckets, epochWord(bucketOf(v, key)));
    return tagIs(entry, gen, epoch) ? entry.slice(TAG_LENGTH) : undefined;
  }

  /** Loaded before a GET or SET is sent (invariant 3): STATE, then GEN, then the EPOCH. */
  ticket(key: string): Ticket {
    const v = this.views;
    const bucket = bucketOf(v, key);
    const live = Atomics.load(v.header, H_STATE) === STATE_LIVE;
    const gen = Atomics.load(v.header, H_GEN);
    return { bucket, live, gen, epoch: Atomics.load(v.buckets, epochWord(bucket)) };
  }

  /**
   * A reply arrived for `key` under `ticket`: changes the bucket's EPOCH (invariant 3) and, when
   * the exchange succeeded and nothing was flushed meanwhile, stores `raw` (invariant 4). `raw`
   * null (nil, or a delete) stores nothing. True if it filled.
   */
  settle(ticket: Ticket, key: string, raw: string | null, ttl: number): boolean {
    const v = this.views;
    const word = epochWord(ticket.bucket);
    const next = (ticket.epoch + 1) | 0;
    if (Atomics.compareExchange(v.buckets, word, ticket.epoch, next) !== ticket.epoch) {
      Atomics.add(v.buckets, word, 1);
      if (raw !== null && ticket.live) this.count(STAT_REFUSED); // an invalidation or another reply came first
      return false;
    }
    if (raw === null || !ticket.live) return false;
    // Re-check after the exchange: a flush since the ticket retires its generation (invariant 4).
    if (Atomics.load(v.header, H_STATE) !== STATE_LIVE || Atomics.load(v.header, H_GEN) !== ticket.gen) {
      this.count(STAT_REFUSED);
      return false;
    }
    try {
      this.#cache.set(key, tagOf(ticket.gen, next) + raw, ttl > 0 ? { ttl } : undefined);
    } catch {
      return false; // larger than a shard's budget (ERR_SHARDMAP_FULL): served, not cached
    }
    this.count(STAT_FILLS);
    return true;
  }

  // --- single flight (FILLER: an optimisation only, see the header) -----------------------------

  /** Takes the bucket's FILLER if it is free; true if this caller now fetches for the bucket. */
  tryTakeFiller(bucket: number): boolean {
    return Atomics.compareExchange(this.views.buckets, fillerWord(bucket), 0, this.#token) === 0;
  }

  /**
   * Waits until the bucket's FILLER changes or FILLER_STEAL_MS pass; then steals it if the same
   * holder still has it (a dead or stuck filler). True if this caller now holds it.
   */
  async waitFillerSlow(bucket: number): Promise<boolean> {
    const b = this.views.buckets;
    const word = fillerWord(bucket);
    const holder = Atomics.load(b, word);
    if (holder === 0) return this.tryTakeFiller(bucket);
    const outcome = await waitChange(b, word, holder, FILLER_STEAL_MS);
    return outcome === 'timed-out' && Atomics.compareExchange(b, word, holder, this.#token) === holder;
  }

  releaseFiller(bucket: number): void {
    const word = fillerWord(bucket);
    if (Atomics.compareExchange(this.views.buckets, word, this.#token, 0) === this.#token) Atomics.notify(this.views.buckets, word);
  }

  // --- the tracking connection's side (main thread) ---------------------------------------------

  /** Invariant 2: the EPOCH first, then the room. */
  invalidate(key: string): void {
    Atomics.add(this.views.buckets, epochWord(bucketOf(this.views, key)), 1);
    this.#cache.delete(key);
    this.count(STAT_INVALIDATIONS);
  }

  /** A flush message from Redis: every entry dies (invariant 2). */
  flush(): void {
    Atomics.add(this.views.header, H_GEN, 1);
    this.#cache.clear();
    this.count(STAT_INVALIDATIONS);
  }

  /** The tracking connection is gone: STALE first, then a new generation (invariant 2). */
  goStale(): void {
    Atomics.store(this.views.header, H_STATE, STATE_STALE);
    Atomics.add(this.views.header, H_GEN, 1);
    this.#cache.clear();
  }

  /** Redis acknowledged tracking: a new generation, then LIVE last (invariant 2). */
  goLive(): void {
    Atomics.add(this.views.header, H_GEN, 1);
    this.#cache.clear();
    Atomics.store(this.views.header, H_STATE, STATE_LIVE);
  }
}

/** Frees every FILLER word the dead thread `token` holds; returns how many. */
export function freeFillers(views: CoherenceViews, token: number): number {
  let freed = 0;
  for (let bucket = 0; bucket <= views.bucketMask; bucket++) {
    const word = fillerWord(bucket);
    if (Atomics.compareExchange(views.buckets, word, token, 0) === token) {
      Atomics.notify(views.buckets, word);
      freed++;
    }
  }
  return freed;
}

/**
 * Atomics.waitAsync, plus a timer: a pending waitAsync alone does not keep a Node thread's event
 * loop alive. Never blocks the event loop.
 */
function waitChange(i32: Int32Array, index: number, value: number, ms: number): Promise<'ok' | 'not-equal' | 'timed-out'> {
  const wait = Atomics.waitAsync(i32, index, value, ms);
  if (!wait.async) return Promise.resolve(wait.value);
  const timer = setTimeout(() => {}, ms + 5);
  return wait.value.finally(() => clearTimeout(timer));
}
