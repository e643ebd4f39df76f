/**
 * The coherence block: one SharedArrayBuffer, beside the ShardedCache's, that every thread of a
 * host reads and writes through this module's accessors. Nothing else does offset arithmetic on it.
 *
 *   byte 0                    HEADER_WORDS × 4                      + SLOTS × 64            + buckets × 8
 *   ┌──────────────────────────┬─────────────────────────────────────┬──────────────────────────────┐
 *   │ header (Int32)           │ stats slots (BigInt64, 8 per slot)  │ buckets (Int32 pairs)        │
 *   │ MAGIC VERSION STATE GEN  │ slot 0: HITS MISSES FILLS INVAL     │ [EPOCH FILLER] [EPOCH FILLER]│
 *   │ BUCKET_BITS NEXT_SLOT …  │   REFUSED RECONNECTS – –  (64 B)    │ … one pair per bucket        │
 *   └──────────────────────────┴─────────────────────────────────────┴──────────────────────────────┘
 *
 * Who writes what (the protocol that uses these words is coherence.ts's; its invariants cite them):
 *  - MAGIC, VERSION, BUCKET_BITS: written once by createCoherence before the handle leaves the
 *    thread; read plainly (a structured clone of the handle publishes them).
 *  - STATE: LIVE or STALE; only the tracking connection (tracking.ts, main thread) stores it, with
 *    Atomics.store; read with Atomics.load.
 *  - GEN: the flush generation. Atomics.add by the tracking connection (loss, re-establishment, a
 *    flush message); read with Atomics.load.
 *  - NEXT_SLOT: Atomics.add by every instance once, to claim its stats slot.
 *  - EPOCH of a bucket: changed only by Atomics.add or Atomics.compareExchange (never stored), so
 *    every change is a new value until it wraps at 2^32; read with Atomics.load.
 *  - FILLER of a bucket: 0, or the thread token of the one caller fetching a key of that bucket
 *    (single flight). compareExchange 0 → token to take, compareExchange token → 0 to give up;
 *    a waiter that has waited FILLER_STEAL_MS steals it. It only saves GETs: correctness never
 *    depends on it.
 *  - stats slots: each instance adds to its own slot with Atomics.add (instances past SLOTS share
 *    one, which Atomics.add keeps exact); stats() sums them with Atomics.load.
 */

export const MAGIC = 0x4e524331; // 'NRC1'
export const VERSION = 1;

export const H_MAGIC = 0;
export const H_VERSION = 1;
/** STATE: LIVE when tracking is on and every write under the prefix reaches us, else STALE. */
export const H_STATE = 2;
export const H_GEN = 3;
export const H_BUCKET_BITS = 4;
export const H_NEXT_SLOT = 5;
/** Sixteen words: the slots start on a 64-byte line. */
export const HEADER_WORDS = 16;

export const STATE_STALE = 0;
export const STATE_LIVE = 1;

export const STAT_HITS = 0;
export const STAT_MISSES = 1;
export const STAT_FILLS = 2;
export const STAT_INVALIDATIONS = 3;
export const STAT_REFUSED = 4;
export const STAT_RECONNECTS = 5;
/** Eight BigInt64 counters: one 64-byte cache line per slot, so instances never share a line. */
const SLOT_WORDS = 8;
/** 256 slots (16 KiB): more instances than a host has threads; past it, slots are shared. */
export const SLOTS = 256;

/** Bucket pair words. */
const B_EPOCH = 0;
const B_FILLER = 1;

/**
 * Buckets per expected entry: an epoch change (an invalidation, any GET's return) kills the live
 * entries of its bucket, so with 8 buckets per entry a change costs about 1/8 of an entry its
 * validity. 2^10 .. 2^22 buckets (8 KiB .. 32 MiB).
 */
const BUCKETS_PER_ENTRY = 8;
const MIN_BUCKET_BITS = 10;
const MAX_BUCKET_BITS = 22;

export function bucketBitsFor(entries: number): number {
  let bits = MIN_BUCKET_BITS;
  while (bits < MAX_BUCKET_BITS && 2 ** bits < entries * BUCKETS_PER_ENTRY) bits++;
  return bits;
}

const slotsOffset = (): number => HEADER_WORDS * 4;
const bucketsOffset = (): number => slotsOffset() + SLOTS * SLOT_WORDS * 8;

/** The typed views of one coherence block; built once per instance. */
export interface CoherenceViews {
  readonly sab: SharedArrayBuffer;
  readonly header: Int32Array;
  readonly stats: BigInt64Array;
  readonly buckets: Int32Array;
  readonly bucketMask: number;
}

export function createCoherence(bucketBits: number): CoherenceViews {
  const sab = new SharedArrayBuffer(bucketsOffset() + (2 ** bucketBits) * 2 * 4);
  const header = new Int32Array(sab, 0, HEADER_WORDS);
  header[H_MAGIC] = MAGIC;
  header[H_VERSION] = VERSION;
  header[H_BUCKET_BITS] = bucketBits;
  header[H_STATE] = STATE_STALE; // until tracking is on
  return viewsOf(sab)!;
}

/** Views of a block made by createCoherence; undefined if `sab` is not one. */
export function viewsOf(sab: unknown): CoherenceViews | undefined {
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < bucketsOffset()) return undefined;
  const header = new Int32Array(sab, 0, HEADER_WORDS);
  const bits = header[H_BUCKET_BITS]!;
  if (header[H_MAGIC] !== MAGIC || header[H_VERSION] !== VERSION || bits < MIN_BUCKET_BITS || bits > MAX_BUCKET_BITS) return undefined;
  if (sab.byteLength !== bucketsOffset() + (2 ** bits) * 2 * 4) return undefined;
  return {
    sab,
    header,
    stats: new BigInt64Array(sab, slotsOffset(), SLOTS * SLOT_WORDS),
    buckets: new Int32Array(sab, bucketsOffset(), (2 ** bits) * 2),
    bucketMask: 2 ** bits - 1,
  };
}

/** Index of a bucket's EPOCH word in `buckets`. */
export const epochWord = (bucket: number): number => bucket * 2 + B_EPOCH;
/** Index of a bucket's FILLER word in `buckets`. */
export const fillerWord = (bucket: number): number => bucket * 2 + B_FILLER;
/** Index of counter `stat` of slot `slot` in `stats`. */
export const statWord = (slot: number, stat: number): number => slot * SLOT_WORDS + stat;
