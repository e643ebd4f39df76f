/**
 * syncmap's per-thread state for reclamation (quiescent-state based, Linux RCU's QSBR): this
 * thread's pin of the global epoch, and the read-snapshot words it cached while pinned.
 *
 * Invariants (engine.ts numbers them 6 and 7; retire.ts keeps 7):
 *  6. A thread pins before its first operation in a task: it stores the global epoch
 *     (H_SYNC_EPOCH) into its owner entry (OWNER_EPOCH), then reads offsets. It unpins (stores 0,
 *     forgets its cached snapshots) in a microtask, so between tasks it holds nothing; it re-pins
 *     every REPIN_OPS operations of a long synchronous run (never inside range()).
 *  6'. A cached snapshot word is valid only while pinned: every pin and unpin forgets them all,
 *     so a block retired before the pin is never reached through the cache.
 * A thread that stays pinned (blocked inside a task) or dies without recoverThread() holds back
 * reclamation (never correctness): memory then grows until it unpins or is recovered.
 */
import { AMENDED_BIT, H_CHECKSUM, H_SEED, H_SYNC_EPOCH, OWNER_EPOCH, ownerWord } from '../layout.js';
import { corruptError } from '../errors.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import { tableCapacity } from '../table.js';

/** Operations between re-pins of a thread in one long synchronous run (invariant 6). */
const REPIN_OPS = 1024;
/** A cache entry holding no snapshot word (a word is a table offset | AMENDED_BIT, never -1). */
export const NOT_LOADED = -1;

/**
 * This thread's pins, per buffer (its seed and checksum words). When one re-pins in a long
 * synchronous run it re-pins its idle siblings too: they run no code until the run ends, so their
 * microtask never comes, and their old pins would hold back reclamation (invariant 6).
 */
const threadPins = new Map<string, Set<WeakRef<Pin>>>();

export class Pin {
  /** Per shard: the snapshot word this thread loaded while pinned (NOT_LOADED otherwise). */
  readonly cache: Int32Array;
  /** Per shard: the capacity of the cached snapshot's table (valid with `cache`). */
  readonly capacities: Int32Array;
  /** >0 while a range() walks what this pin protects: no re-pin then. */
  rangeDepth = 0;
  /** >0 while user code runs inside one of this instance's operations (an update callback). */
  busy = 0;
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #epochWord: number;
  readonly #siblings: Set<WeakRef<Pin>>;
  #budget = 0;
  #unpinQueued = false;
  #pinned = false;
  /** Set by release(): the owner entry is no longer ours, so this pin never writes it again. */
  #released = false;

  constructor(shards: Shards, ownerId: number) {
    const views = shards.views;
    this.#views = views;
    this.#shards = shards;
    this.#epochWord = ownerWord(shards.shardCount, ownerId, OWNER_EPOCH);
    this.cache = new Int32Array(shards.shardCount).fill(NOT_LOADED);
    this.capacities = new Int32Array(shards.shardCount);
    const key = `${views.i32[H_SEED]}:${views.i32[H_CHECKSUM]}`;
    let siblings = threadPins.get(key);
    if (siblings === undefined) threadPins.set(key, (siblings = new Set()));
    siblings.add(new WeakRef(this));
    this.#siblings = siblings;
  }

  /** Called first by every operation. */
  enter(): void {
    if (--this.#budget < 0) this.#pin();
  }

  #pin(): void {
    if (this.#released) return; // unreachable: a disposed instance's engine is never called
    this.#budget = REPIN_OPS;
    if (this.rangeDepth > 0) return; // a range still walks what it pinned
    const i32 = this.#views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH);
    Atomics.store(i32, this.#epochWord, epoch);
    this.cache.fill(NOT_LOADED);
    this.#pinned = true;
    for (const ref of this.#siblings) {
      const sibling = ref.deref();
      if (sibling === undefined) this.#siblings.delete(ref);
      else if (sibling !== this) sibling.#repinIfIdle(epoch);
    }
    if (!this.#unpinQueued) {
      this.#unpinQueued = true;
      queueMicrotask(this.#unpin);
    }
  }

  /**
   * Pins again now, at the current epoch, with this thread's idle siblings (as a long run's re-pin
   * does): a writer that just retired blocks and advanced the epoch lets a reclamation pass free
   * them without waiting for this thread's next task. Not inside a range() of this pin.
   */
  repin(): void {
    this.#pin();
  }

  /** A sibling's re-pin: forget every cached offset and take the newer epoch, unless in use. */
  #repinIfIdle(epoch: number): void {
    if (!this.#pinned || this.#released || this.rangeDepth > 0 || this.busy > 0) return;
    Atomics.store(this.#views.i32, this.#epochWord, epoch);
    this.cache.fill(NOT_LOADED);
  }

  readonly #unpin = (): void => {
    this.#unpinQueued = false;
    if (this.rangeDepth > 0 || this.#released) return; // released: another instance may own the entry now
    this.#pinned = false;
    Atomics.store(this.#views.i32, this.#epochWord, 0);
    this.cache.fill(NOT_LOADED);
    this.#budget = 0;
  };

  /**
   * The instance is disposed (map.ts): unpin now, before its owner entry is freed, and never write
   * the entry again — the queued unpin included, since by then another instance may have claimed
   * it. Its caller made sure no range() of this pin is running.
   */
  release(): void {
    Atomics.store(this.#views.i32, this.#epochWord, 0);
    this.#released = true;
    this.#pinned = false;
    this.cache.fill(NOT_LOADED);
    for (const ref of this.#siblings) if (ref.deref() === this) this.#siblings.delete(ref);
  }

  /** Shard `s`'s snapshot word as this thread last loaded it in this pin. */
  snap(s: number): number {
    const w = this.cache[s]!;
    return w !== NOT_LOADED ? w : this.reload(s);
  }

  /**
   * Shard `s`'s current snapshot word (Atomics.load), cached. A word equal to the cached one
   * has its capacity cached already (#remember sets both; a forgotten entry is NOT_LOADED, never
   * a word), so only a new word is remembered: a miss reloads on every call (getmiss of an int key 676 -> 576 instructions).
   */
  reload(s: number): number {
    const w = this.#shards.snapshotWord(s);
    if (w !== this.cache[s]) this.#remember(s, w);
    return w;
  }

  #remember(s: number, w: number): void {
    const table = w & ~AMENDED_BIT;
    const capacity = table === 0 ? 0 : tableCapacity(this.#views, table);
    if (table !== 0 && capacity === 0) throw corruptError('snapshot', `table at ${table} is impossible`);
    this.capacities[s] = capacity; // a published snapshot never changes (engine.ts, invariant 1)
    this.cache[s] = w;
  }

  /** Publishes snapshot word `w` for shard `s` (one Atomics.store) and caches it. Under the lock. */
  publishLocked(s: number, w: number): void {
    this.#shards.publishSnapshotLocked(s, w);
    this.#remember(s, w);
  }
}
