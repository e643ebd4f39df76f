/**
 * The eviction policy of ShardedCache: W-TinyLFU (Einziger, Friedman & Manes, 2017) with an
 * adaptive window (Caffeine's hill climber), over node indexes 0..maximum of one shard, in an
 * Int32Array region of the shared buffer. The caller holds that shard's lock for every call.
 *
 * Design. A new entry enters the WINDOW, a small LRU. When the window is over its share, its least
 * recent entry (the candidate) moves to the main space's PROBATION segment and, if the cache is
 * over its maximum, competes with probation's least recent entry (the victim): the sketch
 * (sketch.ts) estimates both keys' recent frequency (misses and hits outside the window count)
 * and the more frequent one stays. A hit in
 * probation promotes to PROTECTED (80% of main); protected's overflow drops back to probation.
 * The candidate must beat the victim by ADMIT_MARGIN + 1 (Caffeine: by 1, see below). Candidates
 * rarer than 7 that do not never win; hotter ones win 1 in 128 (Caffeine's defence against an
 * attacker who keeps a victim's count high with colliding keys).
 *
 * Adaptive window. Every PERIOD_FACTOR × maximum requests the climber compares this period's hit
 * rate with the last one's: if it rose, step again the same way, else reverse. The step starts at
 * 1/16 of maximum, decays by 2% a period and restarts at 1/16 when the rate moves ≥ 5 points.
 * Unlike Caffeine, the window may span 1..maximum entries (maximum = plain LRU, which zigzag
 * wants) and the first step grows it (the first period's rate, measured against 0, always
 * "rose"; Caffeine's first step shrinks a 1% window that cannot shrink). Rates are in 1/65536,
 * steps in 1/256 entry: integers only, so every thread and the test model compute the same.
 *
 * The numbers that chose it: replays of the 6 traces of /work/shared/traces at 19 sizes (the
 * test model, tuned through its Tuning knobs), as the average share of the LRU→OPT gap closed and
 * the points where the policy hits less often than LRU:
 *   fixed 1% window:               zigzag@300 12.0% vs LRU 14.4%; web12@4000 79.1 vs 79.0
 *   fixed 20% / 50% / 99% window:  orm-night@500 57.8 / 59.7 / 60.9%, LRU 61.0%: none wins there
 *   Caffeine's climber (1/16 steps, first step shrinks, every 10× maximum): 41.2%, 6 points below
 *   the same, first step grows:    44.8%, 5 points below (zigzag ×3, orm-night@500 and @1000)
 *   climbing every 5× / 1× maximum: 37.1% / 37.9%; 1/8 steps: 39.0% (noisier periods)
 *   ARC-style ghost lists moving the window instead of the climber: 19-21% (the window's ghosts,
 *   one per rejected candidate, outvote the main's and drive the window to 100%, i.e. LRU)
 * The admission margin (ADMIT_MARGIN = 1: the candidate must be more frequent than the victim by
 * 2, where Caffeine asks 1) came last. With Caffeine's rule this policy closed 44.3% of the gap
 * unsharded and 41.8% over 8 shards, below LRU on zigzag at 300, 600 and 1200 by 2.2, 5.6 and 20.9
 * points and on orm-night at 500 and 1000 (58.6 vs 61.0%, 66.5 vs 67.3%). On zigzag every key
 * comes once per scan, so any content that does not churn hits as often as LRU, which is optimal
 * there; the losses were candidates that won on the sketch's noise (aging, collisions) and pushed
 * out keys the scan had yet to reach. With the margin: 46.8% unsharded, 45.0% over 8 shards
 * (44.8% over seeds 2-4), zigzag within 0.7-1.2 points of LRU, orm-night@500 and @1000 still
 * 1.7-2.7 and 0.4-0.6 points below. A margin of 2: 42.5%, zigzag within 0.5, orm-night@500 2.3
 * below and web12@4000 below too.
 * Window hits are not counted by the sketch (Caffeine counts every hit), measured after the margin:
 * a key hit while it is still in the window is a recency burst (zigzag's turns, where the last keys
 * of one scan are the first of the next), and counting it let the burst outvote a victim's longer
 * history at the window's exit. Over 8 shards, seeds 1-3: 46.4-46.9% of the gap (from 44.5-45.0),
 * unsharded 49.3% (46.8); orm-night@1000 at or above LRU and @500 0.4-1.2 points nearer; zigzag
 * @1200 0.4-0.5 further below. Still below LRU: zigzag at every size by 1.0-1.4, orm-night@500
 * by 1.4-1.6.
 * Designs tried and dropped, with their figures, are in docs/cache-policy.md. The most promising
 * not built: a shadow segmented LRU (1% window, every candidate admitted) beside each shard's
 * policy, swapping roles when it out-hits the cache (45.6% over 8 shards, orm-night at or above
 * LRU at every size, zigzag 0.9-1.8 points short), at the cost of a second set of lists per shard.
 *
 * Per shard, not global: each shard has its own policy and sketch (its keys are its own, so the
 * sketch loses nothing), the lock it already holds covers every word, and no word is shared
 * between shards. Over 8 shards (seed 1) the hit ratio stays within 1 point of one policy, and
 * is often above it, except cpp@100 (12 entries a shard: 72.8% vs 75.9%).
 *
 * Hits. onAccess() is the locked replay of a hit; a hit itself takes no lock. Each cache instance
 * buffers the nodes it hit, per shard, and replays them when it next holds the lock, or drops
 * them when the lock is busy (engine.ts invariant 4, reads.ts). A dropped hint only costs
 * recency and frequency; a node freed since is ignored here (FREE), and one reused since credits
 * its new entry: a wrong hint, never a wrong answer or a broken list.
 *
 * Region layout (int32 units from `base`; policyLayout() owns every offset, N = maximum + 1
 * nodes, the 3 list sentinels are N, N+1, N+2 for window, probation, protected):
 *
 *   base → ┌────────────┬───────────┬───────────┬──────────┬──────────┬──────────────────────┐
 *          │ header (16)│ prev[N+3] │ next[N+3] │ seg[N]   │ hash[N]  │ sketch (sketch.ts)   │
 *          └────────────┴───────────┴───────────┴──────────┴──────────┴──────────────────────┘
 *   Every word is written under the shard's lock, with plain stores, and read under it.
 */
import { FrequencySketch, sketchInt32s } from './sketch.js';
import { corruptError } from '../errors.js';

// Header words. All plain, under the shard's lock.
const MAXIMUM = 0; // entries the policy keeps; written by init()
const SIZES = 1; // 1..3: entries in window, probation, protected (index SIZES + segment - 1)
const WINDOW_MAX = 4; // the window's current share, 1..maximum entries
const PROTECTED_MAX = 5; // 80% of main: floor((maximum - windowMax) × 4 / 5)
const HITS = 6; // hits and misses in the climber's current period
const MISSES = 7;
const PREV_RATE = 8; // last period's hit rate, in 1/65536
const STEP = 9; // the next step, in 1/256 entry (sign = direction)
const RANDOM = 10; // xorshift32 state for the hot candidates' 1-in-128 admission
const REPLAYER = 11; // owner id of the cache instance that replayed hits last (0: none yet)
const HEADER = 16;

/** Segments (seg[node]). */
export const FREE = 0;
export const WINDOW = 1;
export const PROBATION = 2;
export const PROTECTED = 3;

/** Climb every PERIOD_FACTOR × maximum requests: the sketch's aging period (see the essay). */
const PERIOD_FACTOR = 10;
/** Restart steps at maximum × STEP_Q8 / 256 = 1/16 of maximum, Caffeine's 6.25%. */
const STEP_Q8 = 16;
/** A rate change ≥ 5 points (3277 / 65536) restarts the step. */
const RESTART_RATE = 3277;
/** A candidate is admitted when its frequency exceeds the victim's by more than this (see the essay). */
const ADMIT_MARGIN = 1;
/** Candidates with a frequency ≤ this never win against a victim within ADMIT_MARGIN of them. */
const ADMIT_HOT = 6;

export interface PolicyLayout {
  readonly prev: number;
  readonly next: number;
  readonly seg: number;
  readonly hash: number;
  readonly sketch: number;
  /** Int32 words of the whole region. */
  readonly int32s: number;
}

/** The region's offsets (int32 units from its base) for a policy of `maximum` entries. */
export function policyLayout(maximum: number): PolicyLayout {
  const n = maximum + 1;
  const prev = HEADER;
  const next = prev + n + 3;
  const seg = next + n + 3;
  const hash = seg + n;
  const sketch = hash + n;
  return { prev, next, seg, hash, sketch, int32s: sketch + sketchInt32s(maximum) };
}

export class EvictionPolicy {
  readonly maximum: number;
  readonly #h: Int32Array;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  readonly #seg: Int32Array;
  readonly #hash: Int32Array;
  readonly #sketch: FrequencySketch;
  readonly #sentinel: number; // list of segment s has sentinel #sentinel + s
  /** Requests (hits + misses) per climbing period: max(16, PERIOD_FACTOR × maximum). */
  readonly #period: number;

  /** Attaches to a policy that init() laid out at `base` of `i32`. */
  constructor(i32: Int32Array, base: number) {
    this.maximum = i32[base + MAXIMUM]!;
    const l = policyLayout(this.maximum);
    const n = this.maximum + 1;
    this.#h = i32.subarray(base, base + HEADER);
    this.#prev = i32.subarray(base + l.prev, base + l.next);
    this.#next = i32.subarray(base + l.next, base + l.seg);
    this.#seg = i32.subarray(base + l.seg, base + l.hash);
    this.#hash = i32.subarray(base + l.hash, base + l.sketch);
    this.#sketch = new FrequencySketch(i32, base + l.sketch);
    this.#sentinel = n - 1;
    this.#period = Math.max(16, this.maximum * PERIOD_FACTOR);
  }

  /** Lays out an empty policy for `maximum` ≥ 1 entries (maximum + 1 nodes) at `base`. */
  static init(i32: Int32Array, base: number, maximum: number): EvictionPolicy {
    if (!Number.isInteger(maximum) || maximum < 1 || maximum > 1 << 26) throw new RangeError(`policy: maximum must be an integer in 1..2^26, got ${maximum}`);
    const l = policyLayout(maximum);
    i32.fill(0, base, base + l.sketch);
    i32[base + MAXIMUM] = maximum;
    const windowMax = Math.max(1, Math.floor(maximum / 100));
    i32[base + WINDOW_MAX] = windowMax;
    i32[base + PROTECTED_MAX] = protectedFor(maximum, windowMax);
    i32[base + STEP] = maximum * STEP_Q8;
    i32[base + RANDOM] = 0x2545f491;
    FrequencySketch.init(i32, base + l.sketch, maximum);
    const policy = new EvictionPolicy(i32, base);
    policy.clear();
    return policy;
  }

  /** Entries linked, ≤ maximum between calls. */
  get size(): number {
    return this.#h[SIZES]! + this.#h[SIZES + 1]! + this.#h[SIZES + 2]!;
  }

  get windowMax(): number {
    return this.#h[WINDOW_MAX]!;
  }

  segmentOf(node: number): number {
    return this.#seg[node]!;
  }

  /**
   * A miss stored `node` (a FREE node, 0..maximum) for a key of `hash`. Returns the node evicted
   * to stay within maximum, already unlinked and FREE, or -1. The victim may be `node` itself:
   * the new entry was not admitted and the caller drops it.
   */
  onInsert(node: number, hash: number): number {
    this.#sketch.increment(hash);
    this.#h[MISSES]!++;
    this.#hash[node] = hash;
    this.#linkLast(node, WINDOW);
    let victim = -1;
    if (this.size > this.maximum) victim = this.#evict();
    else if (this.#h[SIZES]! > this.#h[WINDOW_MAX]!) this.#moveFirst(WINDOW, PROBATION);
    if (victim >= 0) this.#unlink(victim);
    this.#tick();
    return victim;
  }

  /** The replay of a hit on `node`, under the lock; a FREE node (freed since) is ignored. */
  onAccess(node: number): void {
    const seg = this.#seg[node]!;
    if (seg === FREE) return;
    if (seg !== WINDOW) this.#sketch.increment(this.#hash[node]!); // a burst is not frequency (essay)
    const h = this.#h;
    if (seg === PROBATION) {
      this.#unlink(node);
      this.#linkLast(node, PROTECTED);
      this.#demoteOverflow();
    } else {
      this.#touch(node, seg);
    }
    if (++h[HITS]! + h[MISSES]! >= this.#period) this.#climb();
  }

  /** `owner` replays next: true if another instance replayed since it last did (replay.ts samples
   *  then). A hint word: a scribbled one only changes how many hits are replayed. */
  switchReplayer(owner: number): boolean {
    const last = this.#h[REPLAYER]!;
    this.#h[REPLAYER] = owner;
    return last !== owner && last !== 0;
  }

  /** Hits a sampled replay left out: they still count in the climber's period and rate. */
  countUnreplayedHits(n: number): void {
    this.#h[HITS]! += n;
  }

  /** The cache removed `node` (delete, expiry): unlink it. A FREE node is ignored. */
  onRemove(node: number): void {
    if (this.#seg[node] !== FREE) this.#unlink(node);
  }

  /** The key hash recorded for `node` by onInsert. */
  hashOf(node: number): number {
    return this.#hash[node]!;
  }

  /**
   * The entry to drop when the cache needs room that the entry bound does not ask for (maxBytes, a
   * full heap): probation's least recent, then protected's, then the window's. -1 when empty. The
   * caller removes it (onRemove).
   */
  victimForRoom(): number {
    for (let s = PROBATION; s <= PROTECTED; s++) if (this.first(s) >= 0) return this.first(s);
    return this.first(WINDOW);
  }

  /** Every node FREE. The sketch and the climber keep what they learnt. */
  clear(): void {
    this.#seg.fill(FREE);
    for (let s = WINDOW; s <= PROTECTED; s++) {
      const head = this.#sentinel + s;
      this.#prev[head] = head;
      this.#next[head] = head;
      this.#h[SIZES + s - 1] = 0;
    }
  }

  /** The least recent node of `seg`, or -1 (tests and invariant checks). */
  first(seg: number): number {
    const head = this.#sentinel + seg;
    const n = this.#next[head]!;
    return n === head ? -1 : n;
  }

  /** The node after `node` in its list, or -1 at the end. */
  after(node: number): number {
    const n = this.#next[node]!;
    return n > this.maximum ? -1 : n;
  }

  #evict(): number {
    if (this.#h[SIZES]! > this.#h[WINDOW_MAX]!) {
      const candidate = this.#moveFirst(WINDOW, PROBATION);
      const victim = this.first(PROBATION);
      if (victim === candidate) return candidate;
      return this.#admit(this.#hash[candidate]!, this.#hash[victim]!) ? victim : candidate;
    }
    for (let s = PROBATION; s <= PROTECTED; s++) if (this.first(s) >= 0) return this.first(s);
    return this.first(WINDOW);
  }

  #admit(candidateHash: number, victimHash: number): boolean {
    const cf = this.#sketch.frequency(candidateHash);
    if (cf > this.#sketch.frequency(victimHash) + ADMIT_MARGIN) return true;
    if (cf <= ADMIT_HOT) return false;
    let x = this.#h[RANDOM]!;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#h[RANDOM] = x;
    return (x & 127) === 0;
  }

  #demoteOverflow(): void {
    while (this.#h[SIZES + PROTECTED - 1]! > this.#h[PROTECTED_MAX]!) this.#moveFirst(PROTECTED, PROBATION);
  }

  #tick(): void {
    if (this.#h[HITS]! + this.#h[MISSES]! >= this.#period) this.#climb();
  }

  /** One hill-climbing step (see the essay): integers only. */
  #climb(): void {
    const h = this.#h;
    const rate = Math.floor((h[HITS]! * 65536) / (h[HITS]! + h[MISSES]!));
    const change = rate - h[PREV_RATE]!;
    const amount = change >= 0 ? h[STEP]! : -h[STEP]!;
    const restart = (amount >= 0 ? 1 : -1) * this.maximum * STEP_Q8;
    h[STEP] = Math.abs(change) >= RESTART_RATE ? restart : Math.trunc((amount * 98) / 100);
    h[PREV_RATE] = rate;
    h[HITS] = 0;
    h[MISSES] = 0;
    const adjust = Math.trunc(amount / 256);
    if (adjust > 0) this.#growWindow(adjust);
    else if (adjust < 0) this.#shrinkWindow(-adjust);
  }

  #growWindow(by: number): void {
    const windowMax = Math.min(this.maximum, this.#h[WINDOW_MAX]! + by);
    this.#setWindowMax(windowMax);
    while (this.#h[SIZES]! < windowMax) {
      const from = this.first(PROBATION) >= 0 ? PROBATION : this.first(PROTECTED) >= 0 ? PROTECTED : FREE;
      if (from === FREE) break;
      this.#moveFirst(from, WINDOW);
    }
    this.#demoteOverflow();
  }

  #shrinkWindow(by: number): void {
    const windowMax = Math.max(1, this.#h[WINDOW_MAX]! - by);
    this.#setWindowMax(windowMax);
    while (this.#h[SIZES]! > windowMax) this.#moveFirst(WINDOW, PROBATION);
  }

  #setWindowMax(windowMax: number): void {
    this.#h[WINDOW_MAX] = windowMax;
    this.#h[PROTECTED_MAX] = protectedFor(this.maximum, windowMax);
  }

  /** Moves the least recent node of `from` to the most recent end of `to`; returns it. */
  #moveFirst(from: number, to: number): number {
    const node = this.first(from);
    // A list shorter than its size word, or a link into another list, is a scribbled region: every
    // loop over #moveFirst then ends, since each call takes one node of `from` for good.
    if (node < 0 || node > this.maximum || this.#seg[node] !== from) throw corruptError('policy', `segment ${from} counts ${this.#h[SIZES + from - 1]} entries; its list starts at ${node}`);
    this.#unlink(node);
    this.#linkLast(node, to);
    return node;
  }

  #linkLast(node: number, seg: number): void {
    const head = this.#sentinel + seg;
    const last = this.#prev[head]!;
    this.#prev[node] = last;
    this.#next[node] = head;
    this.#next[last] = node;
    this.#prev[head] = node;
    this.#seg[node] = seg;
    this.#h[SIZES + seg - 1]!++;
  }

  /** Moves `node` of list `seg` to its most recent end; sizes and segments stay. */
  #touch(node: number, seg: number): void {
    const head = this.#sentinel + seg;
    const last = this.#prev[head]!;
    if (last === node) return; // already the most recent: nothing to move
    const p = this.#prev[node]!;
    const n = this.#next[node]!;
    this.#next[p] = n;
    this.#prev[n] = p;
    this.#prev[node] = last;
    this.#next[node] = head;
    this.#next[last] = node;
    this.#prev[head] = node;
  }

  #unlink(node: number): void {
    const p = this.#prev[node]!;
    const n = this.#next[node]!;
    this.#next[p] = n;
    this.#prev[n] = p;
    this.#h[SIZES + this.#seg[node]! - 1]!--;
    this.#seg[node] = FREE;
  }
}

function protectedFor(maximum: number, windowMax: number): number {
  return Math.floor(((maximum - windowMax) * 4) / 5);
}
