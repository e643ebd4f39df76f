/**
 * The heap that hands out the buffer's blocks (views.ts holds each thread's views of it).
 *
 * Heap. Small blocks (<= 16 KiB: blobs) are powers of two, from the owning shard's free lists or
 * its carve region, under the SHARD's lock, so shards never contend on allocation. Large blocks
 * (tables, cache regions, carve-region chunks, big blobs) come in eight classes per power of two
 * (layout.ts, largeClassOf), from the heap's shared lists or the bump mark; they and buffer growth
 * go through the heap lock (H_HEAP_LOCK), always taken after a shard lock, never before.
 *
 * Invariants
 *  1. H_HIGH_WATER only grows, under the heap lock; every byte below it belongs to exactly one of:
 *     header/shard blocks, a live block, a free list, a shard's carve region.
 *  2. H_PUBLISHED_LENGTH <= the memory's length, and H_HIGH_WATER <= H_PUBLISHED_LENGTH.
 *  3. A freed block goes back to a free list of its size class; memory stays flat under churn.
 *  4. A block freed by shard S may be reused at once (even by another shard): optimistic readers
 *     of S still validate S's sequence, which the freeing write advanced.
 *  5. Crash consistency: every list pop and bump is one store; a push links the block before
 *     making it the head; a carve refill disables the region (cursor 0) before changing it. A
 *     thread dying anywhere leaves the heap consistent (at worst a block leaks).
 */
import {
  ALIGN,
  GROW_STEP_BYTES,
  H_HEAP_LOCK,
  H_HIGH_WATER,
  LARGE_CLASS_COUNT,
  MIN_LARGE_BYTES,
  arenaStart,
  H_PUBLISHED_LENGTH,
  MAX_SMALL_CLASS,
  MIN_CLASS,
  S_CARVE_CURSOR,
  S_CARVE_END,
  S_CHUNK_BYTES,
  S_SMALL_FREE,
  linkWord,
  classBytes,
  largeClassBytes,
  largeClassOf,
  largeListWord,
  shardWord,
  sizeClassOf,
} from './layout.js';
import { lockPlain, takeOverIfDead, unlockPlain, type LockOwner } from './lock.js';
import { corruptError } from './errors.js';
import type { Views } from './views.js';

/** Chunks a shard carves small blocks from: 1 KiB at first, a quarter of what it holds later,
 *  at most 64 KiB (so 1 MiB maps with many shards still fit, and big maps refill rarely). */
const MIN_CHUNK_BYTES = 1024;
const MAX_CHUNK_BYTES = 64 * 1024;

export class Heap {
  private readonly heapLockOwner: LockOwner;

  /** The first byte blocks may start at: below it lie the header, shard blocks, owner registry and large lists. */
  private readonly arenaStart: number;
  /** Int32 index of large class 0's free-list head. */
  private readonly largeLists: number;

  constructor(
    private readonly views: Views,
    private readonly maxBytes: number,
    lockOwner: LockOwner,
    shardCount: number,
  ) {
    this.heapLockOwner = lockOwner;
    this.arenaStart = arenaStart(shardCount);
    this.largeLists = largeListWord(shardCount, 0);
  }

  /**
   * A block a free list holds (or is handed) is impossible unless it lies wholly in the arena,
   * below the high-water mark: a scribbled list head would otherwise hand out the header, a lock
   * word or the owner registry as a blob. The high-water word is read plainly: every block listed
   * was listed under the lock this caller holds, after the bump that made it.
   */
  private impossibleBlock(block: number, bytes: number): boolean {
    return block < this.arenaStart || (block & 7) !== 0 || block + bytes > this.views.i32[H_HIGH_WATER]! || !this.views.covers(block + bytes);
  }

  /** True if [block, block + bytes) lies wholly in the arena, below the high-water mark (a region a header word names). */
  holdsBlock(block: number, bytes: number): boolean {
    return !this.impossibleBlock(block, bytes);
  }

  /** True while this instance holds the heap lock. */
  private heapHeld = false;

  private lockHeap(): void {
    lockPlain(this.views.i32, H_HEAP_LOCK, this.heapLockOwner);
    this.heapHeld = true;
  }

  private unlockHeap(): void {
    this.heapHeld = false;
    unlockPlain(this.views.i32, H_HEAP_LOCK);
  }

  holdsHeapLock(index: number): boolean {
    return index === H_HEAP_LOCK && this.heapHeld;
  }

  /** Takes the heap lock over if a dead owner holds it, then releases it; true if it did. */
  recoverHeapLock(): boolean {
    if (!takeOverIfDead(this.views.i32, H_HEAP_LOCK, -1, this.heapLockOwner)) return false;
    this.heapHeld = true;
    this.unlockHeap(); // every heap mutation is one store: nothing to repair (invariant 5)
    return true;
  }

  /**
   * A block of at least `bytes` for shard `shard` (caller holds its lock); 0 if the buffer is full.
   * The block may lie beyond this thread's views (another thread grew the buffer and carved or
   * freed it): they are made to cover it, because a typed-array store out of range is silently
   * dropped.
   */
  alloc(shard: number, bytes: number): number {
    const cls = sizeClassOf(bytes);
    if (cls > MAX_SMALL_CLASS) return this.allocTable(bytes);
    const block = this.allocSmallLocked(shard, cls);
    if (block !== 0 && this.impossibleBlock(block, classBytes(cls))) {
      throw corruptError('memory', `block ${block} outside the arena`);
    }
    return block;
  }

  /**
   * A large block (a table, a cache region, a blob over 16 KiB): from the heap's shared lists,
   * never a shard's, so the memory of a table one shard outgrew or shrank serves the next shard
   * that grows (a shard's own lists would strand it there). It occupies tableBlockBytes(bytes).
   * 0 if the buffer is full.
   */
  allocTable(bytes: number): number {
    const cls = largeClassOf(bytes);
    const block = this.allocLarge(cls);
    if (block !== 0 && this.impossibleBlock(block, largeClassBytes(cls))) throw corruptError('memory', `block ${block} outside the arena`);
    return block;
  }

  freeTable(offset: number, bytes: number): void {
    const cls = largeClassOf(bytes);
    if (this.impossibleBlock(offset, largeClassBytes(cls))) {
      throw corruptError('memory', `freeing an impossible table ${offset} (${bytes} bytes)`);
    }
    this.freeLarge(offset, cls);
  }

  /** Returns a block of `bytes` (as passed to alloc) to its free list. Caller holds the shard lock. */
  free(shard: number, offset: number, bytes: number): void {
    const cls = sizeClassOf(bytes);
    if (cls > MAX_SMALL_CLASS) return this.freeTable(offset, bytes);
    if (this.impossibleBlock(offset, classBytes(cls))) {
      throw corruptError('memory', `freeing an impossible block ${offset} (${bytes} bytes)`);
    }
    const { i32 } = this.views;
    const head = shardWord(shard, S_SMALL_FREE + cls - MIN_CLASS);
    i32[linkWord(offset)] = i32[head]!; // link first, then make it the head
    i32[head] = offset;
  }

  private allocSmallLocked(shard: number, cls: number): number {
    const i32 = this.views.i32;
    const head = shardWord(shard, S_SMALL_FREE + cls - MIN_CLASS);
    const block = i32[head]!;
    if (block !== 0) {
      if (this.impossibleBlock(block, 8)) throw corruptError('memory', `free block ${block} outside the arena`);
      i32[head] = this.views.i32[linkWord(block)]!;
      return block;
    }
    const split = this.splitLargerLocked(shard, cls);
    if (split !== 0) return split;
    const size = classBytes(cls);
    const cursorWord = shardWord(shard, S_CARVE_CURSOR);
    const cursor = i32[cursorWord]!;
    const end = i32[shardWord(shard, S_CARVE_END)]!;
    if (cursor !== 0 && (cursor < 0 || cursor > end || (cursor & 7) !== 0 || end > Atomics.load(i32, H_HIGH_WATER))) {
      throw corruptError('memory', `shard ${shard}'s carve region ${cursor}..${end} is impossible`);
    }
    if (cursor !== 0 && cursor + size <= end) {
      i32[cursorWord] = cursor + size;
      return cursor;
    }
    return this.refillLocked(shard, size);
  }

  /**
   * A block of class `cls` cut from the smallest larger free block of this shard, or 0. The rest
   * goes back to the lists as one block of each class from cls up (2^j = 2^cls + 2^cls + ... +
   * 2^(j-1)): freed memory of any size serves later allocations of any smaller size, so a shard's
   * footprint stays flat when the mix of sizes shifts (old tables become blobs, and so on).
   */
  private splitLargerLocked(shard: number, cls: number): number {
    const i32 = this.views.i32;
    for (let larger = cls + 1; larger <= MAX_SMALL_CLASS; larger++) {
      const head = shardWord(shard, S_SMALL_FREE + larger - MIN_CLASS);
      const block = i32[head]!;
      if (block === 0) continue;
      if (this.impossibleBlock(block, classBytes(larger))) throw corruptError('memory', `free block ${block} outside the arena`);
      this.views.i32[head] = this.views.i32[linkWord(block)]!; // pop, then list the upper halves
      for (let piece = larger - 1; piece >= cls; piece--) this.free(shard, block + classBytes(piece), classBytes(piece));
      return block;
    }
    return 0;
  }

  /** The carve region is spent: recycle its tail into the free lists and take a new chunk. */
  private refillLocked(shard: number, size: number): number {
    const held = this.views.i32[shardWord(shard, S_CHUNK_BYTES)]!;
    let chunk = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, 2 ** sizeClassOf(held >> 2)));
    if (chunk < size) chunk = size;
    let block = this.allocLarge(largeClassOf(chunk)); // a power of two: an exact large class
    if (block === 0 && chunk > size) {
      chunk = Math.max(size, MIN_LARGE_BYTES); // nearly full: take little more than this allocation needs
      block = this.allocLarge(largeClassOf(chunk));
    }
    if (block === 0) return 0;
    this.recycleCarveTailLocked(shard);
    const i32 = this.views.i32;
    i32[shardWord(shard, S_CHUNK_BYTES)] = held + chunk;
    // Disable the region, move its end, then publish the cursor (invariant 5).
    i32[shardWord(shard, S_CARVE_CURSOR)] = 0;
    i32[shardWord(shard, S_CARVE_END)] = block + chunk;
    i32[shardWord(shard, S_CARVE_CURSOR)] = block + size;
    return block;
  }

  private recycleCarveTailLocked(shard: number): void {
    const i32 = this.views.i32;
    let cursor = i32[shardWord(shard, S_CARVE_CURSOR)]!;
    const end = i32[shardWord(shard, S_CARVE_END)]!;
    while (cursor !== 0 && end - cursor >= ALIGN) {
      const piece = 2 ** (31 - Math.clz32(end - cursor)); // largest power of two that fits
      const cls = Math.min(sizeClassOf(piece), MAX_SMALL_CLASS);
      // Advance the cursor past the piece before listing it: a crash leaks it, never lists it twice.
      i32[shardWord(shard, S_CARVE_CURSOR)] = cursor + classBytes(cls);
      this.free(shard, cursor, classBytes(cls));
      cursor += classBytes(cls);
    }
  }

  /** Recovery: forgets the carve region (a dead thread may have been refilling it). Leaks its tail. */
  resetCarveLocked(shard: number): void {
    this.views.i32[shardWord(shard, S_CARVE_CURSOR)] = 0;
    this.views.i32[shardWord(shard, S_CARVE_END)] = 0;
  }

  /** A block of large class `cls` under the heap lock: a free one, or fresh bytes above the high-water mark. */
  private allocLarge(cls: number): number {
    const i32 = this.views.i32;
    this.lockHeap();
    try {
      const head = this.largeLists + cls;
      const block = i32[head]!;
      if (block !== 0) {
        if (this.impossibleBlock(block, 8)) throw corruptError('memory', `free block ${block} outside the arena`);
        i32[head] = this.views.i32[linkWord(block)]!;
        return block;
      }
      const start = Atomics.load(i32, H_HIGH_WATER);
      if (start <= 0 || (start & 7) !== 0 || start > Atomics.load(i32, H_PUBLISHED_LENGTH)) {
        throw corruptError('memory', `the high-water mark ${start} is impossible (invariant 2)`);
      }
      const end = start + largeClassBytes(cls);
      if (end > this.maxBytes || !this.ensureLengthLocked(end)) return 0;
      Atomics.store(this.views.i32, H_HIGH_WATER, end);
      return start;
    } finally {
      this.unlockHeap();
    }
  }

  private freeLarge(offset: number, cls: number): void {
    this.lockHeap();
    try {
      const i32 = this.views.i32;
      i32[linkWord(offset)] = i32[this.largeLists + cls]!;
      i32[this.largeLists + cls] = offset;
    } finally {
      this.unlockHeap();
    }
  }

  /** Grows the buffer (heap lock held) so bytes [0, end) exist, then publishes the new length. */
  private ensureLengthLocked(end: number): boolean {
    const published = Atomics.load(this.views.i32, H_PUBLISHED_LENGTH);
    if (end <= published) return end <= this.views.length || this.views.rebuild(published);
    const doubled = Math.max(end, published * 2);
    const target = Math.min(this.maxBytes, Math.ceil(doubled / GROW_STEP_BYTES) * GROW_STEP_BYTES);
    try {
      const committed = this.views.committedBytes();
      if (target > committed) this.views.memory.grow((target - committed) / GROW_STEP_BYTES);
    } catch {
      return false; // the platform could not commit the memory: treat as full
    }
    // Publish the length only after grow() returned: readers index up to it.
    Atomics.store(this.views.i32, H_PUBLISHED_LENGTH, target);
    return this.views.rebuild(target);
  }

  /** Bytes handed out so far (header included). */
  highWater(): number {
    return Atomics.load(this.views.i32, H_HIGH_WATER);
  }

  /**
   * Bytes shard `shard` holds free for reuse: its small free lists and the unused rest of its carve
   * region. Under the shard's lock, or against a HELD word (Shards.readShard, which retries a walk
   * torn by a writer: a torn walk may throw, and a validated one that throws is corruption).
   */
  shardFreeBytesLocked(shard: number): number {
    const i32 = this.views.i32;
    let bytes = 0;
    for (let cls = MIN_CLASS; cls <= MAX_SMALL_CLASS; cls++) bytes += this.listBytes(i32[shardWord(shard, S_SMALL_FREE + cls - MIN_CLASS)]!, classBytes(cls));
    const cursor = i32[shardWord(shard, S_CARVE_CURSOR)]!;
    const end = i32[shardWord(shard, S_CARVE_END)]!;
    if (cursor !== 0 && cursor <= end) bytes += end - cursor;
    return bytes;
  }

  /** Bytes in the heap's shared free lists (tables, large blocks), read under the heap lock. */
  largeFreeBytes(): number {
    const i32 = this.views.i32;
    this.lockHeap();
    try {
      let bytes = 0;
      for (let cls = 0; cls < LARGE_CLASS_COUNT; cls++) bytes += this.listBytes(i32[this.largeLists + cls]!, largeClassBytes(cls));
      return bytes;
    } finally {
      this.unlockHeap();
    }
  }

  /** Bytes of the free list of `size`-byte blocks starting at `head`; a list longer than the heap is corrupt. */
  private listBytes(head: number, size: number): number {
    const most = Math.floor(this.highWater() / size);
    let blocks = 0;
    for (let block = head; block !== 0; block = this.views.i32[linkWord(block)]!) {
      if (block < 0 || (block & 7) !== 0 || !this.views.covers(block + size) || ++blocks > most) {
        throw corruptError('memory', `the free list of ${size}-byte blocks is impossible at ${block}`);
      }
    }
    return blocks * size;
  }
}
