/**
 * stats()'s memory figures tell apart what the contract names: bytes in use (`bytesUsed`), bytes
 * handed out once and free for reuse (`bytesFree`), the buffer's length (`bytesCommitted`) and
 * the ceiling (`bytesReserved`). Checked against what the heap must hold: a fill puts its bytes
 * in use, clear() and deletes move them to free, a refill takes the free bytes before the buffer
 * grows, and used + free never exceeds what is committed. SHARDMAP_SEED fixes the value sizes.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap, type ShardedMapStats } from '@shardmap/core';
import { SEED, rng } from './helpers/seed.js';

const handedOut = (s: ShardedMapStats): number => s.bytesUsed + s.bytesFree;

function consistent(s: ShardedMapStats): void {
  expect(s.bytesUsed).toBeGreaterThan(0);
  expect(s.bytesFree).toBeGreaterThanOrEqual(0);
  expect(handedOut(s)).toBeLessThanOrEqual(s.bytesCommitted);
  expect(s.bytesCommitted).toBeLessThanOrEqual(s.bytesReserved);
}

describe(`stats() memory figures (SHARDMAP_SEED=${SEED})`, () => {
  it('striped: clear() gives back all but the empty tables, and a refill reuses them before the buffer grows', () => {
    const m = ShardedMap.create<number, string>({ keys: 'number', values: 'string', shards: 8 });
    const empty = m.stats();
    consistent(empty);
    const next = rng(SEED);
    const value = (i: number) => 'v'.repeat(next() % 200) + i; // blobs of many classes
    for (let i = 0; i < 50_000; i++) m.set(i, value(i));
    const full = m.stats();
    consistent(full);
    // Every entry's blob is in use: at least its UTF-16 bytes, per entry.
    expect(full.bytesUsed - empty.bytesUsed).toBeGreaterThan(50_000 * 2 * 2);
    m.clear();
    const cleared = m.stats();
    consistent(cleared);
    expect(cleared.bytesUsed, `in use after clear: ${cleared.bytesUsed} of ${full.bytesUsed}`).toBeLessThanOrEqual(0.1 * full.bytesUsed);
    expect(handedOut(cleared)).toBe(handedOut(full)); // nothing handed out is lost, nothing new taken
    for (let i = 0; i < 50_000; i++) m.set(i, value(i));
    const refilled = m.stats();
    consistent(refilled);
    // The same data again: served from the free lists, so the footprint barely moves.
    expect(handedOut(refilled), `handed out ${handedOut(full)} then ${handedOut(refilled)}`).toBeLessThanOrEqual(1.1 * handedOut(full));
    expect(refilled.bytesFree).toBeLessThan(cleared.bytesFree);
  });

  it('deletes free the blobs they drop: bytesUsed falls by at least their bytes', () => {
    const m = ShardedMap.create<string, string>({ keys: 'string', values: 'string', shards: 4 });
    for (let i = 0; i < 10_000; i++) m.set(`key:${i}`, 'x'.repeat(100));
    const full = m.stats();
    for (let i = 0; i < 10_000; i += 2) m.delete(`key:${i}`);
    const half = m.stats();
    consistent(half);
    // 5,000 values of 100 bytes (one a unit) and their keys, at least, are free again.
    expect(full.bytesUsed - half.bytesUsed).toBeGreaterThanOrEqual(5_000 * 100);
    expect(half.bytesFree - full.bytesFree).toBe(full.bytesUsed - half.bytesUsed);
  });

  it('striped: deleting most entries shrinks the tables, every delete kind, and a refill reuses what they gave back', () => {
    const m = ShardedMap.create<number, number>({ keys: 'number', values: 'number', shards: 4 });
    const empty = m.stats();
    for (let i = 0; i < 100_000; i++) m.set(i, i);
    const full = m.stats();
    consistent(full);
    // Keep 1 in 100; the other 99 go by delete, loadAndDelete, compareAndDelete and update.
    for (let i = 0; i < 100_000; i++) {
      if (i % 100 === 0) continue;
      const kind = i % 4;
      if (kind === 0) expect(m.delete(i)).toBe(true);
      else if (kind === 1) expect(m.loadAndDelete(i)).toEqual({ value: i, loaded: true });
      else if (kind === 2) expect(m.compareAndDelete(i, i)).toBe(true);
      else m.update(i, () => undefined);
    }
    const drained = m.stats();
    consistent(drained);
    expect(m.size).toBe(1_000);
    for (let i = 0; i < 100_000; i += 100) expect(m.get(i)).toBe(i);
    // Int entries have no blobs: without shrinking, every table byte would still be in use.
    const inUse = (drained.bytesUsed - empty.bytesUsed) / (full.bytesUsed - empty.bytesUsed);
    expect(inUse, `in use after deleting 99%: ${drained.bytesUsed} of ${full.bytesUsed}`).toBeLessThanOrEqual(0.05);
    expect(handedOut(drained)).toBe(handedOut(full));
    for (let i = 0; i < 100_000; i++) if (i % 100 !== 0) m.set(i, -i);
    const refilled = m.stats();
    expect(m.size).toBe(100_000);
    expect(m.get(99_999)).toBe(-99_999);
    expect(handedOut(refilled), `handed out ${handedOut(full)} then ${handedOut(refilled)}`).toBeLessThanOrEqual(1.1 * handedOut(full));
  });

  it('syncmap: after deleting most entries, the rebuilt dirty table is small, and once promoted and reclaimed the old snapshot is free', () => {
    const m = ShardedMap.create<number, number>({ mode: 'syncmap', keys: 'number', values: 'number', shards: 4 });
    for (let i = 0; i < 100_000; i++) m.set(i, i);
    for (let r = 0; r < 2; r++) for (let i = 0; i < 100_000; i++) m.get(i); // misses promote dirty
    const full = m.stats();
    for (let i = 0; i < 100_000; i++) if (i % 100 !== 0) expect(m.delete(i)).toBe(true);
    for (let i = 0; i < 64; i++) m.set(-1 - i, i); // each shard's next write rebuilds dirty without the deleted
    for (let i = 0; i < 4000; i++) m.get(-1 - (i % 64)); // misses promote the small tables
    for (let i = 0; i < 8000; i++) m.set(-100 - (i % 64), i + 0.5); // records retired: a reclamation batch runs
    const later = m.stats();
    consistent(later);
    expect(m.size).toBe(1_000 + 64 + 64);
    for (let i = 0; i < 100_000; i += 100) expect(m.get(i)).toBe(i);
    expect(later.bytesUsed, `in use: ${later.bytesUsed} of ${full.bytesUsed}`).toBeLessThanOrEqual(0.1 * full.bytesUsed);
  });

  it('syncmap: clear() reclaims the snapshots it retired at once when no other pin holds them', () => {
    const m = ShardedMap.create<number, number>({ keys: 'number', values: 'number', shards: 4, mode: 'syncmap' });
    for (let i = 0; i < 20_000; i++) m.set(i, i);
    for (let i = 0; i < 20_000; i++) m.get(i); // promotes: the entries move into read snapshots
    const full = m.stats();
    consistent(full);
    m.clear();
    const cleared = m.stats();
    consistent(cleared);
    expect(cleared.size).toBe(0);
    expect(handedOut(cleared)).toBeLessThanOrEqual(handedOut(full) + 64 * 1024); // at most a retire list more
    expect(cleared.bytesUsed, `in use after clear: ${cleared.bytesUsed} of ${full.bytesUsed}`).toBeLessThanOrEqual(0.1 * full.bytesUsed);
  });

  it('syncmap: a pin another instance holds (as another thread\'s would) keeps what clear() retired in use until it unpins', async () => {
    const m = ShardedMap.create<number, number>({ keys: 'number', values: 'number', shards: 4, mode: 'syncmap' });
    for (let i = 0; i < 20_000; i++) m.set(i, i);
    for (let i = 0; i < 20_000; i++) m.get(i);
    const full = m.stats();
    const reader = ShardedMap.attach<number, number>(m.handle);
    const range = new Promise<void>((resolve) => {
      // A range() keeps its pin for its whole walk: clear() from inside it must not free what it walks.
      let first = true;
      reader.forEach((value, key) => {
        if (!first) return;
        first = false;
        m.clear();
        expect(m.stats().bytesUsed, 'freed under a running range()').toBeGreaterThan(0.5 * full.bytesUsed);
        expect(reader.get(key)).toBeUndefined();
      });
      resolve();
    });
    await range;
    await new Promise((r) => setTimeout(r, 0)); // the pins are dropped between tasks
    m.set(-1, -1);
    m.clear(); // no pin left: this pass frees the rest
    expect(m.stats().bytesUsed).toBeLessThanOrEqual(0.1 * full.bytesUsed);
  });
});
