// memory.ts: the Heap against a model of live blocks (no overlap, alignment, bounds, canaries),
// reuse and splitting by size class, growth up to maxBytes, and Views catching up with growth.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Heap } from '../../src/memory.js';
import { Views } from '../../src/views.js';
import { sharedMemory } from '../helpers/memory.js';
import { lockedBy, type LockOwner } from '../../src/lock.js';
import { ALIGN, GROW_STEP_BYTES, H_HEAP_LOCK, H_HIGH_WATER, H_PUBLISHED_LENGTH, MAX_SMALL_CLASS, MIN_CLASS, S_SMALL_FREE, arenaStart, blockBytes, classBytes, shardWord, sizeClassOf, largeClassOf, largeClassBytes, LARGE_CLASS_COUNT, MIN_LARGE_BYTES, MAX_BYTES_LIMIT, tableBlockBytes, tableBytes } from '../../src/layout.js';

const SHARDS = 2;
const owner = (dead: number[] = []): LockOwner => ({ ownerId: 1, ownerDead: (o) => dead.includes(o), ownerKnown: () => true, localHold: () => -1 });

/** A buffer with the header words the heap reads, as buffer.ts writes them. */
function setup(initial = GROW_STEP_BYTES, maxBytes = 4 * 1024 * 1024, lockOwner = owner()) {
  const memory = sharedMemory(initial, maxBytes);
  const i32 = new Int32Array(memory.buffer);
  i32[H_HIGH_WATER] = arenaStart(SHARDS);
  i32[H_PUBLISHED_LENGTH] = initial;
  const views = new Views(memory, initial);
  return { memory, views, heap: new Heap(views, maxBytes, lockOwner, SHARDS), published: () => Atomics.load(views.i32, H_PUBLISHED_LENGTH) };
}
const extent = (bytes: number) => blockBytes(bytes);

describe('heap against a model of live blocks', () => {
  it('blocks are aligned, inside the buffer, never overlap, and alloc/free leave neighbours untouched', () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: 70_000 }));
    const command = fc.oneof(
      fc.record({ alloc: fc.constant(true as const), shard: fc.integer({ min: 0, max: SHARDS - 1 }), bytes: size }),
      fc.record({ alloc: fc.constant(false as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(command, { minLength: 10, maxLength: 120 }), (commands) => {
        const { memory, views, heap, published } = setup();
        type Block = { shard: number; offset: number; bytes: number; pattern: number };
        const live: Block[] = [];
        let next = 1;
        const fill = (b: Block) => views.i32.fill(b.pattern, b.offset >> 2, (b.offset + extent(b.bytes)) >> 2);
        const intact = (b: Block) => {
          const i32 = views.i32;
          for (let w = b.offset >> 2, end = (b.offset + extent(b.bytes)) >> 2; w < end; w++) if (i32[w] !== b.pattern) return false;
          return true;
        };
        for (const c of commands) {
          if (c.alloc) {
            const offset = heap.alloc(c.shard, c.bytes);
            expect(offset).not.toBe(0);
            const end = offset + extent(c.bytes);
            expect(offset % ALIGN).toBe(0);
            expect(offset).toBeGreaterThanOrEqual(arenaStart(SHARDS));
            expect(end).toBeLessThanOrEqual(heap.highWater());
            expect(heap.highWater()).toBeLessThanOrEqual(published());
            expect(published()).toBeLessThanOrEqual(memory.buffer.byteLength);
            expect(views.length).toBeGreaterThanOrEqual(end);
            for (const b of live) expect(end <= b.offset || offset >= b.offset + extent(b.bytes), `${offset} overlaps ${b.offset}`).toBe(true);
            const block = { shard: c.shard, offset, bytes: c.bytes, pattern: next++ * 0x01010101 };
            live.push(block);
            fill(block);
          } else if (live.length > 0) {
            const [b] = live.splice(c.pick % live.length, 1);
            heap.free(b!.shard, b!.offset, b!.bytes);
          }
          for (const b of live) expect(intact(b), `block ${b.offset} (${b.bytes} B) was written`).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('large classes', () => {
  it('a large block holds its bytes and wastes less than 1/8 of them (a table of capacity c gets 26c bytes, not 32c)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_BYTES_LIMIT }), (bytes) => {
        const cls = largeClassOf(bytes);
        expect(cls).toBeGreaterThanOrEqual(0);
        expect(cls).toBeLessThan(LARGE_CLASS_COUNT);
        const size = largeClassBytes(cls);
        expect(size).toBeGreaterThanOrEqual(bytes);
        expect(size % ALIGN).toBe(0);
        if (bytes > MIN_LARGE_BYTES) expect(size - bytes).toBeLessThan(bytes / 8);
        if (cls > 0) expect(largeClassBytes(cls - 1)).toBeLessThan(bytes); // the smallest class that holds it
      }),
      { numRuns: 2000 },
    );
    for (let log = 9; log <= 30; log++) expect(largeClassBytes(largeClassOf(2 ** log))).toBe(2 ** log); // carve chunks are exact
    for (let capacity = 64; capacity <= 2 ** 24; capacity *= 2) expect(tableBlockBytes(tableBytes(capacity))).toBe(26 * capacity);
  });
});

describe('reuse by size class', () => {
  it('a freed small block serves the next allocation of its class in its shard, not another class or shard', () => {
    const { heap } = setup();
    const a = heap.alloc(0, 100);
    heap.free(0, a, 100);
    expect(heap.alloc(1, 100)).not.toBe(a); // shard 1's lists are its own
    expect(heap.alloc(0, 200)).not.toBe(a); // class 256 is not 128
    const high = heap.highWater();
    expect(heap.alloc(0, 65)).toBe(a); // class 128
    expect(heap.highWater()).toBe(high);
  });

  it('every block freed is reused (last freed first): none is dropped from a list', () => {
    const { heap } = setup();
    const blocks = [0, 1, 2, 3].map(() => heap.alloc(0, 24));
    heap.alloc(0, 24); // keep the carve region from touching the list
    const high = heap.highWater();
    for (const b of blocks) heap.free(0, b, 24);
    expect([0, 1, 2, 3].map(() => heap.alloc(0, 32))).toEqual([...blocks].reverse());
    expect(heap.highWater()).toBe(high);
  });

  it('large blocks and tables come from the shared lists, for any shard', () => {
    const { heap } = setup();
    const big = heap.alloc(0, 20_000); // large class 20 KiB (16 KiB + 2 steps of 2 KiB) > MAX_SMALL_CLASS
    expect(sizeClassOf(20_000)).toBeGreaterThan(MAX_SMALL_CLASS);
    expect(extent(20_000)).toBe(20_480);
    heap.free(0, big, 20_000);
    const high = heap.highWater();
    expect(heap.alloc(1, 20_480)).toBe(big);
    expect(heap.highWater()).toBe(high);
    const table = heap.allocTable(300); // tables are at least 512 B
    heap.freeTable(table, 300);
    expect(heap.allocTable(512)).toBe(table);
    expect(heap.highWater()).toBe(high + 512);
    const other = heap.allocTable(513); // the next class, 576 B: not the freed 512
    expect(other).toBe(high + 512);
    expect(heap.highWater()).toBe(high + 512 + 576);
  });

  it('a larger free block is split: the rest serves the smaller classes, with no new memory', () => {
    const { heap } = setup();
    const a = heap.alloc(0, 1024);
    heap.free(0, a, 1024);
    const high = heap.highWater();
    expect(heap.alloc(0, 64)).toBe(a);
    expect(heap.alloc(0, 64)).toBe(a + 64);
    expect(heap.alloc(0, 128)).toBe(a + 128);
    expect(heap.alloc(0, 256)).toBe(a + 256);
    expect(heap.alloc(0, 512)).toBe(a + 512);
    expect(heap.highWater()).toBe(high);
  });
});

describe('buffer growth', () => {
  it('grows the buffer up to maxBytes, then answers 0 and changes nothing', () => {
    const maxBytes = 4 * GROW_STEP_BYTES;
    const { memory, views, heap, published } = setup(GROW_STEP_BYTES, maxBytes);
    const blocks: number[] = [];
    for (const bytes of [32_768, 4096, 512, 8]) {
      for (let b = heap.alloc(0, bytes); b !== 0; b = heap.alloc(0, bytes)) {
        expect(b + extent(bytes)).toBeLessThanOrEqual(Math.min(views.length, published(), memory.buffer.byteLength));
        blocks.push(b);
      }
    }
    expect(memory.buffer.byteLength).toBe(maxBytes);
    expect(heap.highWater()).toBeLessThanOrEqual(maxBytes);
    expect(blocks.length).toBeGreaterThan(4);
    const before = Buffer.from(new Uint8Array(memory.buffer).slice());
    for (const [shard, bytes] of [[0, 8], [1, 8], [1, 100], [0, 50_000], [1, 40_000]] as const) expect(heap.alloc(shard, bytes)).toBe(0);
    expect(heap.allocTable(1000)).toBe(0);
    expect(Buffer.from(new Uint8Array(memory.buffer)).equals(before)).toBe(true); // no list, cursor, mark or length moved
    expect(memory.buffer.byteLength).toBe(maxBytes);
  });

  it('Views built before growth catch up to the published length when asked to cover a new offset', () => {
    const { memory, heap, published } = setup();
    const other = new Views(memory, GROW_STEP_BYTES);
    let block = 0;
    while (block < GROW_STEP_BYTES) block = heap.alloc(0, 40_000);
    expect(published()).toBeGreaterThan(GROW_STEP_BYTES);
    expect(other.length).toBe(GROW_STEP_BYTES);
    expect(other.covers(GROW_STEP_BYTES)).toBe(true);
    expect(other.length).toBe(GROW_STEP_BYTES); // nothing to catch up with yet
    expect(other.covers(block + 8)).toBe(true);
    expect(other.length).toBe(published());
    expect(other.i32.length).toBe(published() >> 2);
    expect(other.covers(published() + 8)).toBe(false);
  });

  it('a block another thread grew the buffer for and freed is covered by this thread\'s views on alloc', () => {
    const a = setup();
    const viewsB = new Views(a.memory, GROW_STEP_BYTES);
    const heapB = new Heap(viewsB, 4 * 1024 * 1024, owner(), SHARDS);
    let block = 0;
    while (block < GROW_STEP_BYTES) block = a.heap.alloc(0, 40_000);
    a.heap.free(0, block, 40_000);
    expect(heapB.alloc(1, 40_000)).toBe(block);
    expect(viewsB.length).toBeGreaterThanOrEqual(block + extent(40_000));
    viewsB.i32[(block >> 2) + 100] = 1234;
    expect(a.views.i32[(block >> 2) + 100]).toBe(1234); // the write landed, not dropped out of range
  });
});

describe('refusals and the heap lock', () => {
  it('freeing an impossible block is corruption', () => {
    const { heap } = setup();
    for (const offset of [0, -8, 12, 2 ** 30]) expect(() => heap.free(0, offset, 8), `offset ${offset}`).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
    expect(() => heap.freeTable(4, 512)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
  });

  it('a free-list head scribbled to point below the arena or past the high-water mark is corruption, not a block', () => {
    // A flipped byte of a shard's list head (the byte-flip campaign's hang, SHARDMAP_SEED=1831365193
    // flip 268) made alloc hand out the header and shard blocks as a 16 KiB blob: its writes then
    // named an owner of no thread in a lock word, and the next writer waited forever.
    const { views, heap } = setup();
    const cls = MAX_SMALL_CLASS;
    const head = shardWord(1, S_SMALL_FREE + cls - MIN_CLASS);
    for (const scribbled of [0xe0, 256, arenaStart(SHARDS) - 8, views.i32[H_HIGH_WATER]! + 8]) {
      views.i32[head] = scribbled;
      expect(() => heap.alloc(1, classBytes(cls)), `head ${scribbled}`).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
      expect(() => heap.alloc(1, 64), `head ${scribbled}, split`).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
    }
    views.i32[head] = 0;
    expect(heap.alloc(1, classBytes(cls))).toBeGreaterThanOrEqual(arenaStart(SHARDS)); // a real block again
  });

  it('recoverHeapLock releases a heap lock held by a dead owner, and only then', () => {
    const { views, heap } = setup(GROW_STEP_BYTES, 4 * 1024 * 1024, owner([7]));
    expect(heap.recoverHeapLock()).toBe(false);
    views.i32[H_HEAP_LOCK] = lockedBy(8);
    expect(heap.recoverHeapLock()).toBe(false);
    views.i32[H_HEAP_LOCK] = lockedBy(7);
    expect(heap.recoverHeapLock()).toBe(true);
    expect(views.i32[H_HEAP_LOCK]).toBe(0);
    expect(heap.alloc(0, 20_000)).not.toBe(0); // and the heap works after
    expect(heap.holdsHeapLock(H_HEAP_LOCK)).toBe(false);
  });
});
