/**
 * What mode 'syncmap' promises beyond Map's meaning (which the differential suites check): Go's
 * read-snapshot protocol as observed through stats() — snapshot hits take no lock, misses are
 * counted and promote dirty once they reach its size, updates of snapshot keys to inline values
 * are lock-free — and reclamation: old snapshots, cells and value records are reused, so memory
 * stays flat under churn, even while another instance of the same thread sits idle.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';

const syncmap = <K, V>(shards = 1) => ShardedMap.create<K, V>({ mode: 'syncmap', shards });

describe("mode 'syncmap': the read-snapshot protocol", () => {
  it('a miss on an amended snapshot locks and counts; misses >= dirty size promote; then hits take no lock', () => {
    const m = syncmap<string, number>();
    m.set('a', 1);
    m.set('b', 2); // both in dirty: the snapshot is empty and amended
    const before = m.stats();
    expect(before.misses).toBe(0);
    expect(before.promotions).toBe(0);
    expect(m.get('a')).toBe(1); // miss 1 < dirty size 2
    expect(m.stats().misses).toBe(1);
    expect(m.stats().promotions).toBe(0);
    expect(m.get('b')).toBe(2); // miss 2 >= 2: dirty becomes the snapshot
    const promoted = m.stats();
    expect(promoted.promotions).toBe(1);
    expect(promoted.misses).toBe(0);
    const locks = promoted.lockAcquisitions;
    for (let i = 0; i < 100; i++) expect(m.get(i & 1 ? 'a' : 'b')).toBe(i & 1 ? 1 : 2);
    expect(m.has('a')).toBe(true);
    expect(m.get('absent')).toBeUndefined(); // not amended: a miss is answered without the lock
    // stats() itself takes each shard's lock once.
    expect(m.stats().lockAcquisitions - locks).toBe(1);
  });

  it('a miss on an amended snapshot reads dirty without the lock when no writer holds it, and still counts', () => {
    const m = syncmap<string, unknown>(1);
    for (let i = 0; i < 4; i++) m.set(`k${i}`, i === 3 ? { record: i } : i); // dirty only: amended
    const before = m.stats().lockAcquisitions; // stats() counts its own one lock
    expect(m.get('k0')).toBe(0); // found in dirty: miss 1
    expect(m.get('k3')).toEqual({ record: 3 }); // a value record, read through its dirty cell: miss 2
    expect(m.has('absent')).toBe(false); // absent from both: miss 3
    const counted = m.stats();
    expect(counted.misses).toBe(3);
    expect(counted.promotions).toBe(0);
    expect(counted.lockAcquisitions - before - 1).toBe(0); // no lock taken by the three lookups
    expect(m.get('k1')).toBe(1); // miss 4 >= dirty size 4: this lookup promotes, under the lock
    const promoted = m.stats();
    expect(promoted.promotions).toBe(1);
    expect(promoted.misses).toBe(0);
    expect(promoted.lockAcquisitions - counted.lockAcquisitions - 1).toBe(1); // the promotion's
    for (let i = 0; i < 4; i++) expect(m.get(`k${i}`)).toEqual(i === 3 ? { record: 3 } : i);
  });

  it('updates of present snapshot keys with inline values are lock-free; presence changes and record values lock', () => {
    const m = syncmap<string, unknown>();
    m.set('k', 1);
    m.get('k'); // promote
    const locks = () => m.stats().lockAcquisitions - 1; // minus stats()' own
    let base = locks();
    m.set('k', 2);
    expect(m.swap('k', 3)).toEqual({ previous: 2, loaded: true });
    expect(m.compareAndSwap('k', 3, true)).toBe(true);
    expect(m.compareAndSwap('k', 3, 4)).toBe(false);
    expect(m.loadOrStore('k', 9)).toEqual({ value: true, loaded: true });
    expect(m.compareAndDelete('k', 9)).toBe(false); // a failed compare changes nothing: no lock
    expect(locks() - 1 - base).toBe(0);
    // A change of presence (invariant 8: counted under the lock, so recovery can recount it).
    base = locks();
    expect(m.delete('k')).toBe(true);
    expect(locks() - 1 - base).toBe(1);
    base = locks();
    expect(m.loadOrStore('k', null)).toEqual({ value: null, loaded: false }); // NIL -> value, under the lock
    expect(locks() - 1 - base).toBe(1);
    base = locks();
    m.set('k', 'a string'); // needs a value record: allocated under the lock
    expect(locks() - 1 - base).toBe(1);
    expect(m.get('k')).toBe('a string');
    expect(m.size).toBe(1);
  });

  it('a deleted key is expunged when dirty is rebuilt, and revived by the next store', () => {
    const m = syncmap<string, number>();
    m.set('x', 1);
    m.get('x'); // promote: x in the snapshot
    m.delete('x'); // under the lock: its cell becomes NIL
    m.set('y', 2); // first new key after the promotion: dirty is rebuilt, x's NIL cell expunged
    expect(m.get('x')).toBeUndefined();
    m.set('x', 3); // revived: back into dirty, same cell
    expect(m.get('x')).toBe(3);
    expect(m.get('y')).toBe(2);
    expect(m.size).toBe(2);
    expect(new Map(m.entries())).toEqual(new Map([['x', 3], ['y', 2]]));
    const promotions = m.stats().promotions!;
    m.set('z', 4); // amended again
    const seen: string[] = [];
    m.range((k) => void seen.push(k)); // Range promotes first
    expect(seen.sort()).toEqual(['x', 'y', 'z']);
    expect(m.stats().promotions).toBe(promotions + 1);
  });

  it('deleting the last key only dirty holds un-amends the snapshot with no promotion, and the next new key needs no rebuild', () => {
    const m = syncmap<string, number>();
    m.set('a', 1);
    m.get('a'); // promote: a in the snapshot, dirty null
    m.set('n1', 2); // first new key: dirty rebuilt from the snapshot, snapshot amended
    const before = m.stats();
    expect(m.delete('n1')).toBe(true); // the only dirty-only key: the snapshot is complete again
    const after = m.stats();
    expect(after.promotions).toBe(before.promotions);
    expect(after.misses).toBe(0);
    const locks = () => m.stats().lockAcquisitions - 1; // minus stats()' own
    let base = locks();
    expect(m.get('n1')).toBeUndefined(); // not amended: answered without the lock
    expect(m.get('other')).toBeUndefined();
    expect(locks() - 1 - base).toBe(0);
    expect(m.delete('a')).toBe(true); // a's cell becomes NIL, still in (the kept) dirty
    m.set('n2', 3); // amends again; a rebuild here would expunge a's NIL cell
    const rebuiltBefore = m.stats().promotions;
    m.set('a', 4); // NIL, not EXPUNGED: the same cell, set under the lock (a presence change)
    m.set('a', 4); // present now: a lock-free CAS on the cell
    base = locks();
    m.set('a', 4);
    expect(locks() - 1 - base).toBe(0);
    expect(m.stats().promotions).toBe(rebuiltBefore);
    expect(new Map(m.entries())).toEqual(new Map([['a', 4], ['n2', 3]]));
    expect(m.size).toBe(2);
    m.range(() => true); // promotes n2
    expect(m.stats().promotions).toBe(before.promotions! + 1);
    expect(m.delete('n2')).toBe(true);
    expect(m.get('a')).toBe(4);
    expect(m.size).toBe(1);
  });

  it('stats() of a striped map has no misses or promotions', () => {
    const s = ShardedMap.create().stats();
    expect(s.misses).toBeUndefined();
    expect(s.promotions).toBeUndefined();
  });
});

describe("mode 'syncmap': reclamation", () => {
  const churn = (m: ShardedMap<string, unknown>, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const key = `p${i}`;
      m.set(key, { i }); // a value record
      m.get(key); // misses promote, retiring snapshots and cells
      m.set(key, i + 0.5); // replaces the record (retired)
      m.delete(key);
    }
  };

  it('memory stays flat under churn of fresh keys (Go issue 40999)', () => {
    const m = syncmap<string, unknown>(2);
    m.set('keep', 'me');
    churn(m, 0, 20_000);
    const first = m.stats().bytesUsed + m.stats().bytesFree; // handed out: the footprint
    churn(m, 20_000, 80_000);
    expect(m.stats().bytesUsed + m.stats().bytesFree).toBeLessThanOrEqual(first * 2); // a leak grows ~4x here: 4x the churn
    expect(m.size).toBe(1);
    expect(m.get('keep')).toBe('me');
  });

  it('an idle instance of the same thread does not hold reclamation back in a long synchronous run', () => {
    const m = syncmap<string, unknown>(2);
    const idle = ShardedMap.attach<string, unknown>(m.handle);
    expect(idle.get('nothing')).toBeUndefined(); // pins it; it then stays idle for the whole run
    churn(m, 0, 20_000);
    const first = m.stats().bytesUsed + m.stats().bytesFree; // handed out: the footprint
    churn(m, 20_000, 80_000);
    expect(m.stats().bytesUsed + m.stats().bytesFree).toBeLessThanOrEqual(first * 2); // a leak grows ~4x here: 4x the churn
    expect(idle.size).toBe(0);
  });

  it('a range walks its snapshot whole while its callback promotes and retires it again and again', () => {
    const m = syncmap<number, string>(1);
    for (let k = 0; k < 64; k++) m.set(k, `v${k}`);
    m.get(0);
    m.range(() => true); // promote everything
    const seen = new Map<number, string>();
    let i = 0;
    let visits = 0;
    m.range((k, v) => {
      visits++;
      seen.set(k, v);
      // Promotions retire the snapshot this range walks: it must stay readable (and unchanged).
      for (let j = 0; j < 8; j++, i++) {
        m.set(1000 + i, `w${i}`); // amends the snapshot...
        m.range(() => false); // ...which a nested range promotes, retiring the one walked here
        m.delete(1000 + i);
      }
    });
    // The walked snapshot held keys 0..63 only; were its memory reused, other keys would show.
    expect([...seen.keys()].filter((k) => k >= 64)).toEqual([]);
    expect(visits).toBe(64);
    expect(seen.size).toBe(64);
    for (const [k, v] of seen) expect(v).toBe(`v${k}`);
    expect(m.stats().promotions).toBeGreaterThan(30);
  });
});
