// lock.ts: the shard word's encoding and sequence on one thread, then 2-4 worker threads contending
// for it (exact counts, untorn seqlock copies), and dead-owner takeover through the LockOwner callbacks.
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import {
  LOCKED,
  SEQUENCE_STEP,
  WAITERS,
  WAIT_TIMEOUT_MS,
  lockPlain,
  lockSlow,
  lockedBy,
  nextSequence,
  ownerOf,
  setCanWait,
  takeOverIfDead,
  tryTakeOver,
  unlock,
  unlockPlain,
  type LockCounters,
  type LockOwner,
} from '../../src/lock.js';

interface Owner extends LockOwner {
  calls: string[];
}
function owner(ownerId: number, opts: { dead?: number[]; unknown?: number[]; local?: (o: number) => number } = {}): Owner {
  const calls: string[] = [];
  return {
    ownerId,
    calls,
    ownerDead: (o) => (calls.push(`dead ${o}`), opts.dead?.includes(o) ?? false),
    ownerKnown: (o) => (calls.push(`known ${o}`), !(opts.unknown?.includes(o) ?? false)),
    localHold: (o) => (calls.push(`local ${o}`), opts.local?.(o) ?? -1),
  };
}
const counters = (): LockCounters => ({ waits: 0, tookOver: false });
const word = () => new Int32Array(new SharedArrayBuffer(16));

afterEach(() => setCanWait(true));

describe('the lock word on one thread', () => {
  it('encodes the owner while locked and the sequence while unlocked', () => {
    for (const id of [1, 2, 77, 2 ** 20]) {
      expect(lockedBy(id) & LOCKED).toBe(LOCKED);
      expect(lockedBy(id) & WAITERS).toBe(0);
      expect(ownerOf(lockedBy(id))).toBe(id);
      expect(ownerOf(lockedBy(id) | WAITERS)).toBe(id);
    }
    const i32 = word();
    const acquired = lockSlow(i32, 1, 3, owner(9), counters(), false);
    expect(acquired).toBe(0);
    expect(i32[1]).toBe(lockedBy(9));
    expect(unlock(i32, 1, acquired)).toBe(SEQUENCE_STEP);
    expect(i32[1]).toBe(SEQUENCE_STEP);
    expect(i32[0]).toBe(0); // neighbours untouched
    expect(i32[2]).toBe(0);
  });

  it('every unlock advances the sequence by SEQUENCE_STEP over the word it acquired over', () => {
    const i32 = word();
    const who = owner(3);
    let hint = 0;
    for (let n = 1; n <= 50; n++) {
      const acquired = lockSlow(i32, 0, 2, who, counters(), false);
      expect(acquired).toBe(hint);
      expect(ownerOf(i32[0]!)).toBe(3);
      hint = unlock(i32, 0, acquired);
      expect(hint).toBe(n * SEQUENCE_STEP);
      expect(Atomics.load(i32, 0)).toBe(hint);
    }
    expect(who.calls).toEqual([]); // uncontended: no callback
  });

  it('unlock clears LOCKED and WAITERS; the sequence wraps inside int32 and stays unlocked', () => {
    const i32 = word();
    const acquired = lockSlow(i32, 0, 2, owner(1), counters(), false);
    i32[0] = i32[0]! | WAITERS; // a sleeper announced itself
    expect(unlock(i32, 0, acquired)).toBe(SEQUENCE_STEP);
    expect(nextSequence(2 ** 31 - SEQUENCE_STEP)).toBe(-(2 ** 31));
    expect(nextSequence(-SEQUENCE_STEP)).toBe(0);
    for (const w of [0, SEQUENCE_STEP, 2 ** 31 - SEQUENCE_STEP, -2 * SEQUENCE_STEP]) {
      expect(nextSequence(w) & (LOCKED | WAITERS)).toBe(0);
      expect(nextSequence(w | LOCKED | WAITERS)).toBe(nextSequence(w));
    }
  });

  it('a reader that sees the same unlocked word before and after saw no write; a write changes it', () => {
    const i32 = word();
    const before = Atomics.load(i32, 0);
    expect(Atomics.load(i32, 0)).toBe(before); // nothing written: the copy stands
    const acquired = lockSlow(i32, 0, 2, owner(1), counters(), false);
    expect(Atomics.load(i32, 0) & LOCKED).toBe(LOCKED); // mid-write: the reader retries
    unlock(i32, 0, acquired);
    expect(Atomics.load(i32, 0)).not.toBe(before);
    expect(Atomics.load(i32, 0) & LOCKED).toBe(0);
  });

  it('a lock held by an instance of this thread is re-entry (localHold 1) or corruption (localHold 0)', () => {
    const i32 = word();
    i32[0] = lockedBy(5);
    expect(() => lockSlow(i32, 0, 2, owner(6, { local: () => 1 }), counters(), false)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_REENTRANT' }));
    expect(() => lockSlow(i32, 0, 2, owner(6, { local: () => 0 }), counters(), false)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
    expect(() => lockPlain(i32, 0, owner(6, { local: () => 1 }))).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_REENTRANT' }));
    expect(i32[0]).toBe(lockedBy(5)); // checked before announcing a sleeper: nothing written
  });
});

describe('dead owners', () => {
  it('takeOverIfDead: only a locked word whose owner is dead, keeping WAITERS', () => {
    const i32 = word();
    const me = owner(2, { dead: [7] });
    expect(takeOverIfDead(i32, 0, 2, me)).toBe(false); // unlocked: the registry is not even asked
    expect(me.calls).toEqual([]);
    i32[0] = lockedBy(8);
    expect(takeOverIfDead(i32, 0, 2, me)).toBe(false);
    expect(i32[0]).toBe(lockedBy(8));
    expect(me.calls).toEqual(['dead 8']);
    i32[0] = lockedBy(7) | WAITERS;
    expect(takeOverIfDead(i32, 0, 2, me)).toBe(true);
    expect(i32[0]).toBe(lockedBy(2) | WAITERS);
    expect(tryTakeOver(i32, 0, 2, lockedBy(7) | WAITERS, me)).toBe(false); // stale sight: the CAS fails
    i32[0] = lockedBy(7) | WAITERS;
    expect(tryTakeOver(i32, 0, 2, lockedBy(7) | WAITERS, owner(3, { dead: [7] }))).toBe(true);
    expect(i32[0]).toBe(lockedBy(3) | WAITERS); // sleepers still need the next unlock's notify
    expect(tryTakeOver(i32, 0, 2, lockedBy(3) | WAITERS, owner(4))).toBe(false); // owner 3 is alive
  });

  it('lockSlow takes a dead owner\'s lock after a timed wait and says so (-1, tookOver)', () => {
    const i32 = word();
    i32[0] = lockedBy(7);
    const c = counters();
    const me = owner(2, { dead: [7] });
    const t0 = performance.now();
    expect(lockSlow(i32, 0, 2, me, c, false)).toBe(-1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(WAIT_TIMEOUT_MS - 5);
    expect(c).toEqual({ waits: 1, tookOver: true });
    expect(ownerOf(i32[0]!)).toBe(2);
    expect(me.calls).toContain('local 7');
    expect(me.calls).toContain('dead 7');
  });

  it('where waiting is not allowed the lock spins, then takes over just the same', () => {
    setCanWait(false);
    const i32 = word();
    i32[0] = lockedBy(7);
    const c = counters();
    expect(lockSlow(i32, 0, 2, owner(2, { dead: [7] }), c, false)).toBe(-1);
    expect(c).toEqual({ waits: 0, tookOver: true });
  });

  it('a lock naming an owner no instance has is corruption, after one timed wait', () => {
    const i32 = word();
    i32[0] = lockedBy(9);
    expect(() => lockSlow(i32, 0, 2, owner(2, { unknown: [9] }), counters(), false)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
  });

  it('lockPlain: 0 free, the owner when held, takeover from the dead, an impossible word is corruption', () => {
    const i32 = word();
    lockPlain(i32, 0, owner(4));
    expect(i32[0]).toBe(lockedBy(4));
    unlockPlain(i32, 0);
    expect(i32[0]).toBe(0);
    i32[0] = lockedBy(7);
    lockPlain(i32, 0, owner(4, { dead: [7] }));
    expect(ownerOf(i32[0]!)).toBe(4);
    unlockPlain(i32, 0);
    expect(i32[0]).toBe(0);
    i32[0] = 8; // not LOCKED, not 0: a sequence-like word on the heap lock
    expect(() => lockPlain(i32, 0, owner(4))).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_CORRUPT' }));
  });
});

// Word indexes of the shared test buffer (each group on its own cache line).
const W = { lock: 0, counter: 1, holder: 2, a: 16, b: 32, ready: 48, done: 49 };

function spawn(workerData: Record<string, unknown>): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fixtures/lock-worker.mjs', import.meta.url), { workerData: { ...W, threads: 1, ...workerData } });
    const timer = setTimeout(() => void w.terminate().then(() => reject(new Error(`${String(workerData.role)} hung`))), 30_000);
    w.once('message', (m: Record<string, number>) => (clearTimeout(timer), resolve(m)));
    w.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** Runs one worker per role; readers stop once every other role has finished. */
function run(sab: SharedArrayBuffer, roles: string[], iterations: number): Promise<Record<string, number>[]> {
  let writersLeft = roles.filter((r) => r !== 'reader').length;
  return Promise.all(
    roles.map((role, i) =>
      spawn({ sab, role, ownerId: i + 1, iterations, threads: roles.length }).then((m) => {
        if (role !== 'reader' && --writersLeft === 0) Atomics.store(new Int32Array(sab), W.done, 1);
        return m;
      }),
    ),
  );
}

describe('contended across worker threads', () => {
  for (const threads of [2, 4]) {
    it(`${threads} threads add to a plain counter under the shard lock: exact total, exact sequence`, async () => {
      const sab = new SharedArrayBuffer(256);
      const n = 40_000;
      await run(sab, Array(threads).fill('counter'), n);
      const i32 = new Int32Array(sab);
      expect(i32[W.counter]).toBe(threads * n);
      expect(i32[W.lock]).toBe(threads * n * SEQUENCE_STEP); // one step per unlock, no flag left behind
    });
  }

  it('3 threads add to a plain counter under the heap lock (lockPlain): exact total, lock free after', async () => {
    const sab = new SharedArrayBuffer(256);
    await run(sab, ['plain', 'plain', 'plain'], 30_000);
    expect(new Int32Array(sab)[W.counter]).toBe(90_000);
    expect(new Int32Array(sab)[W.lock]).toBe(0);
  });

  it('seqlock: readers never validate a torn copy of two words writers keep equal', async () => {
    const sab = new SharedArrayBuffer(256);
    const results = await run(sab, ['writer', 'writer', 'reader', 'reader'], 30_000);
    const readers = results.slice(2);
    const sum = (k: string) => readers.reduce((s, r) => s + r[k]!, 0);
    expect(sum('torn')).toBe(0);
    expect(sum('validated')).toBeGreaterThan(0);
    expect(new Int32Array(sab)[W.lock]).toBe(60_000 * SEQUENCE_STEP);
  });

  it('a sleeper is woken by the unlock (no lost wake-up), long before its timed wait would end', async () => {
    const elapsed: number[] = [];
    for (let round = 0; round < 3; round++) {
      const sab = new SharedArrayBuffer(256);
      const i32 = new Int32Array(sab);
      i32[W.lock] = lockedBy(99); // this thread holds the lock
      const result = spawn({ sab, role: 'sleeper', ownerId: 1, iterations: 1 });
      const deadline = Date.now() + 20_000;
      while ((Atomics.load(i32, W.lock) & WAITERS) === 0 && Date.now() < deadline); // the sleeper announced itself
      unlock(i32, W.lock, 0);
      elapsed.push((await result).elapsed!);
    }
    expect(Math.min(...elapsed)).toBeLessThan(WAIT_TIMEOUT_MS / 2);
  });
});
