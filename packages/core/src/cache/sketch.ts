/**
 * The frequency sketch of the cache's admission policy (TinyLFU: Einziger, Friedman & Manes,
 * "TinyLFU: A Highly Efficient Cache Admission Policy", 2017): a count-min sketch of 4-bit
 * counters that estimates how often each key hash was seen recently, in an Int32Array region of
 * the shared buffer. One sketch per shard, next to that shard's policy (policy.ts).
 *
 * Counters. The table is `words` int32 words (a power of two, 2 × nextPow2(maximum), at least 16),
 * 8 nibble counters each: 16 counters per cached entry, Caffeine's FrequencySketch ratio. A key
 * hash picks one counter in each of 4 rows; the rows share the table:
 *   row r: word = top bits of imul(hash ^ ROW_SEEDS[r], ROW_MULS[r]); nibble = (hash >>> 20+3r) & 7
 * The hash is the map's seeded 32-bit key hash (already fmix32-mixed), so its bits are taken as
 * uniform; the multiply spreads them over the word index differently for every row, and the
 * nibble comes from other bits of the hash than those that choose the word in the other rows.
 * The estimate is the minimum of the 4 counters: collisions only ever overestimate.
 *
 * Aging. Every `sampleSize` = 10 × maximum additions (increments that raised some counter) every
 * counter is halved, one shift and mask per word: ((w >>> 1) & 0x77777777). The additions count
 * then restarts at half, less a quarter of the odd counters (their halves were truncated), as in
 * Caffeine. Halving keeps the sketch about recent history: a key hot an hour ago and cold since
 * decays to 0 after ~4 periods. 10 × maximum is the paper's sample size W (not tuned here).
 *
 * Concurrency. Every call here is made by the holder of the shard's lock (the policy replays hits
 * under it), so there is no race in normal use. The words are nevertheless read and written with
 * plain loads and stores, not Atomics, and the sketch stays correct if a caller ever increments
 * lock-free: a racy read-modify-write can lose an increment or undo a concurrent halving of one
 * word. Neither can break anything: a counter is always some 4-bit value (a word is written
 * whole), a lost increment underestimates one key by one (its next hit counts again), and an
 * undone halving leaves 8 counters one period older than the rest; the estimate was approximate
 * (collisions, truncation) anyway and only decides which of two entries to keep. The additions
 * count, likewise, may drift: aging then comes a little early or late.
 *
 * No doorkeeper (Caffeine has none either): with 4-bit counters and halving, a one-hit wonder
 * costs one count that decays within a period. Not measured here; a candidate for later.
 *
 * Region layout (int32 units, from `base`; sketchInt32s() is its length):
 *
 *   base → ┌───────────┬─────────────┬──────────┬───────────────────────────────┐
 *          │ ADDITIONS │ SAMPLE_SIZE │ WORD_BITS│ table: words × int32 (8 × 4b)  │
 *          └───────────┴─────────────┴──────────┴───────────────────────────────┘
 *            HEADER = 3 words; the table starts at base + HEADER.
 */

const ADDITIONS = 0; // increments since the last halving; plain, under the shard's lock
const SAMPLE_SIZE = 1; // halve after this many additions; written once by init()
const WORD_BITS = 2; // log2(words); written once by init()
const HEADER = 3;

/** Aging period as a multiple of the maximum entries (the paper's W = 10 × capacity). */
const SAMPLE_FACTOR = 10;

/** The nibble of row r is hash bits NIBBLE_BITS + 3r..+2 (20..31): never the low bits, which
 *  pick the shard and so are the same for every key of one shard's sketch. */
const NIBBLE_BITS = 20;
/** Row r's word is the top bits of imul(hash ^ ROW_SEEDS[r], ROW_MULS[r]). */
const ROW_SEEDS = [0x97cb3127, 0xa8f2b6e3, 0x2c1b3c6d, 0x297a2d39] as const;
const ROW_MULS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f] as const;

function tableWords(maximum: number): number {
  return Math.max(16, 2 ** Math.ceil(Math.log2(Math.max(1, maximum))) * 2);
}

/** Int32 words of a sketch sized for `maximum` entries: the header and the table. */
export function sketchInt32s(maximum: number): number {
  return HEADER + tableWords(maximum);
}

export class FrequencySketch {
  readonly #header: Int32Array;
  readonly #table: Int32Array;
  readonly #shift: number;
  readonly #sampleSize: number;

  /** Attaches to a sketch that init() laid out at `base` of `i32`. */
  constructor(i32: Int32Array, base: number) {
    this.#header = i32.subarray(base, base + HEADER);
    const bits = this.#header[WORD_BITS]!;
    this.#table = i32.subarray(base + HEADER, base + HEADER + 2 ** bits);
    this.#shift = 32 - bits;
    this.#sampleSize = this.#header[SAMPLE_SIZE]!;
  }

  /** Lays out an empty sketch for `maximum` entries at `base` (sketchInt32s(maximum) words). */
  static init(i32: Int32Array, base: number, maximum: number): FrequencySketch {
    const words = tableWords(maximum);
    i32.fill(0, base, base + HEADER + words);
    i32[base + SAMPLE_SIZE] = Math.max(16, maximum * SAMPLE_FACTOR);
    i32[base + WORD_BITS] = Math.log2(words);
    return new FrequencySketch(i32, base);
  }

  /** The estimated count of `hash`, 0..15. */
  frequency(hash: number): number {
    let f = 15;
    for (let r = 0; r < 4; r++) {
      const w = this.#word(hash, r);
      const c = (this.#table[w]! >>> this.#nibbleShift(hash, r)) & 15;
      if (c < f) f = c;
    }
    return f;
  }

  /**
   * Counts one sighting of `hash`; every sampleSize additions, halves every counter. A loop, not the
   * 4 rows written out: this runs once per replayed hit, and written out (503 bytes of bytecode,
   * over TurboFan's 460-byte inlining limit) it was never inlined; as a loop (167 bytes) it is, and
   * a cache hit costs 998 instructions instead of 1105.
   */
  increment(hash: number): void {
    const t = this.#table;
    let added = false;
    for (let r = 0; r < 4; r++) {
      const w = this.#word(hash, r);
      const n = this.#nibbleShift(hash, r);
      const word = t[w]!;
      if (((word >>> n) & 15) !== 15) {
        t[w] = word + (1 << n);
        added = true;
      }
    }
    if (added && ++this.#header[ADDITIONS]! >= this.#sampleSize) this.#halve();
  }

  clear(): void {
    this.#table.fill(0);
    this.#header[ADDITIONS] = 0;
  }

  #word(hash: number, row: number): number {
    return Math.imul(hash ^ ROW_SEEDS[row]!, ROW_MULS[row]!) >>> this.#shift;
  }

  #nibbleShift(hash: number, row: number): number {
    return ((hash >>> (NIBBLE_BITS + row * 3)) & 7) << 2;
  }

  #halve(): void {
    const table = this.#table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const w = table[i]!;
      odd += popcount(w & 0x11111111);
      table[i] = (w >>> 1) & 0x77777777;
    }
    this.#header[ADDITIONS] = (this.#header[ADDITIONS]! - (odd >>> 2)) >>> 1;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
}
