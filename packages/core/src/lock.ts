/**
 * The shard lock: a futex mutex and a seqlock sequence in ONE Int32 word, so a write costs two
 * Atomics calls (one compareExchange to lock, one exchange to unlock) and a lock-free read two
 * Atomics.load calls.
 *
 *   unlocked:  sequence << 2                  (bits 0 and 1 clear)
 *   locked:    owner << 2 | WAITERS? | LOCKED (the holder's owner id, not the sequence)
 *
 * Invariants
 *  1. The unlocked word is the sequence; unlock stores the word the hold was acquired over plus
 *     SEQUENCE_STEP. A reader that loads the same unlocked word before and after its plain reads saw
 *     no write (seqlock: Linux seqlock.h; the loads are Atomics.load, sequentially consistent, per
 *     Boehm 2012). While the word is locked readers only need the LOCKED bit, so the word holds the
 *     owner instead. The sequence wraps after 2^30 unlocks; a reader would need exactly that many
 *     writes during one lookup to be fooled.
 *  2. Acquire is one compareExchange from an unlocked word to `owner << 2 | LOCKED`: the owner is
 *     recorded by the same atomic step that takes the lock, so a thread killed at any point either
 *     holds a lock that names it or holds none. The expected value is this thread's last sight of
 *     the word (`hint`): right whenever this thread was the last writer, so the uncontended path
 *     makes one Atomics call, not two. The holder keeps the word it acquired over (and copies it,
 *     plainly, into the shard's S_LAST_SEQUENCE for recovery).
 *  3. A thread about to sleep first sets WAITERS with a CAS on the locked word, then waits while
 *     the word still equals what it set. Unlock exchanges the word and notifies one sleeper only if
 *     the old word had WAITERS. A woken thread acquires with WAITERS set (it cannot know whether
 *     others still sleep), so the next unlock notifies again: no lost wake-ups (Drepper, "Futexes
 *     Are Tricky", mutex3).
 *  4. Sleeping uses a timeout, so no wait is unbounded. Where Atomics.wait may not be called (a
 *     browser's main thread) the lock only spins.
 *  5. Takeover: a sleeper whose timed wait ran out asks `ownerDead(owner of the word)` (the owner
 *     registry); if so it CASes the locked word to name itself. One CAS wins; the winner holds the
 *     lock and must repair the shard first (LockCounters.tookOver). It releases to S_LAST_SEQUENCE +
 *     2 steps: beyond any sequence a reader can have seen, whether or not the dead holder got to
 *     copy its own.
 */

import { corruptError, reentrantError } from './errors.js';

export const LOCKED = 1;
export const WAITERS = 2;
const FLAGS = LOCKED | WAITERS;
export const SEQUENCE_STEP = 4;
const OWNER_SHIFT = 2;

/** The word a lock held by `owner` shows (without WAITERS). */
export function lockedBy(owner: number): number {
  return (owner << OWNER_SHIFT) | LOCKED;
}

/** The owner named by a locked word. */
export function ownerOf(word: number): number {
  return word >>> OWNER_SHIFT;
}

/**
 * Spins before sleeping. A shard's critical sections are tens of nanoseconds and a futex hand-off
 * costs ~3 µs (ANCHORS.md), so spinning ~100 loads (~1–2 µs) catches nearly every release. Java 7's
 * ConcurrentHashMap spins 64 tryLocks; each of ours is a cheaper load until the word looks free.
 */
export const SPIN_LIMIT = 100;
/** Longest single sleep; bounds how long a wait can outlive a missed wake-up or a dead owner. */
export const WAIT_TIMEOUT_MS = 50;

/** A browser's main thread (a window with a document) may not block: Atomics.wait throws there,
 *  and calling it at all would stall the page. Workers and Node threads may sleep. */
function isBrowserMainThread(): boolean {
  const g = globalThis as { window?: unknown; document?: unknown };
  return typeof g.window !== 'undefined' && typeof g.document !== 'undefined';
}

let canWait = !isBrowserMainThread();

/** Test hook and browser-main-thread switch: false makes every lock spin instead of sleeping. */
export function setCanWait(allowed: boolean): void {
  canWait = allowed;
}

/** The word after unlocking a lock acquired over `acquired` (an unlocked word). */
export function nextSequence(acquired: number): number {
  return ((acquired & ~FLAGS) + SEQUENCE_STEP) | 0;
}

export interface LockCounters {
  waits: number;
  /** Set when the lock was taken over from a dead owner: the caller must repair what it guards. */
  tookOver: boolean;
}

/** Who may hold a lock: this thread's owner id, and the registry's verdict on others. */
export interface LockOwner {
  readonly ownerId: number;
  ownerDead(owner: number): boolean;
  /** False if no registered instance has this id: a lock naming it is held by nobody (corrupt). */
  ownerKnown(owner: number): boolean;
  /**
   * For an owner that is a map instance of THIS thread: 1 if it holds the lock word at `index`
   * (a call from inside its update() callback — waiting would deadlock), 0 if it does not (the
   * word was overwritten). -1 for every other owner.
   */
  localHold(owner: number, index: number): number;
}

/** Never wait for this thread: a lock held by our own instance is re-entry, or corruption. */
function checkNotSelf(i32: Int32Array, index: number, word: number, who: LockOwner): void {
  const local = who.localHold(ownerOf(word), index);
  if (local === 1) throw reentrantError('a method of another instance of the same map');
  if (local === 0) throw corruptError('lock', `a lock names owner ${ownerOf(word)} of this thread, which does not hold it`);
}

/**
 * A lock word that names no registered owner was overwritten: waiting would never end. `plain`:
 * the heap lock, where any non-zero word must be LOCKED.
 */
function checkHolder(i32: Int32Array, index: number, word: number, who: LockOwner, plain: boolean): void {
  // Only a word that stayed the same through a whole timed wait counts: recovery may have just
  // taken it over (and freed the dead owner's id) while we slept.
  if (Atomics.load(i32, index) !== word) return;
  if (plain && word !== 0 && (word & LOCKED) === 0) throw corruptError('lock', `the heap lock word ${word} is impossible`);
  if ((word & LOCKED) !== 0 && !who.ownerKnown(ownerOf(word))) {
    throw corruptError('lock', `a lock is held by owner ${ownerOf(word)}, which no map instance has`);
  }
}

/** Spins (no sleeping) between liveness checks where Atomics.wait is not allowed. */
const SPINS_PER_CHECK = 100_000;

/**
 * The out-of-line acquire: spin, then sleep. Returns the unlocked word it acquired over, or -1 if
 * it took the lock over from a dead owner (invariant 5: the caller repairs, and picks the word).
 */
export function lockSlow(i32: Int32Array, index: number, who: LockOwner, counters: LockCounters): number {
  const mine = lockedBy(who.ownerId);
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    const seen = Atomics.load(i32, index);
    if ((seen & LOCKED) === 0 && Atomics.compareExchange(i32, index, seen, mine) === seen) return seen;
  }
  for (let round = 1; ; round++) {
    let seen = Atomics.load(i32, index);
    if ((seen & LOCKED) === 0) {
      // Acquire with WAITERS kept: others may still sleep (invariant 3).
      if (Atomics.compareExchange(i32, index, seen, mine | WAITERS) === seen) return seen;
      continue;
    }
    checkNotSelf(i32, index, seen, who);
    if ((seen & WAITERS) === 0) {
      // Announce the sleeper before sleeping, or the holder's unlock would not notify.
      if (Atomics.compareExchange(i32, index, seen, seen | WAITERS) !== seen) continue;
      seen |= WAITERS;
    }
    let timedOut = true;
    if (canWait) {
      try {
        counters.waits++;
        timedOut = Atomics.wait(i32, index, seen, WAIT_TIMEOUT_MS) === 'timed-out';
      } catch {
        canWait = false; // a browser's main thread: spin from now on
      }
    } else timedOut = round % SPINS_PER_CHECK === 0;
    if (!timedOut) continue;
    if (tryTakeOver(i32, index, seen, who)) {
      counters.tookOver = true;
      return -1;
    }
    checkHolder(i32, index, seen, who, false);
  }
}

/** Invariant 5: claims the lock `word` (as last seen) if its owner is dead. */
export function tryTakeOver(i32: Int32Array, index: number, word: number, who: LockOwner): boolean {
  if ((word & LOCKED) === 0 || !who.ownerDead(ownerOf(word))) return false;
  return Atomics.compareExchange(i32, index, word, lockedBy(who.ownerId) | (word & WAITERS)) === word;
}

/**
 * Takes the lock at `index` over if a dead owner holds it, retrying while sleepers change its
 * WAITERS bit under us (recovery must not skip a lock and leave it held by a freed owner id).
 */
export function takeOverIfDead(i32: Int32Array, index: number, who: LockOwner): boolean {
  for (;;) {
    const word = Atomics.load(i32, index);
    if ((word & LOCKED) === 0 || !who.ownerDead(ownerOf(word))) return false;
    if (Atomics.compareExchange(i32, index, word, lockedBy(who.ownerId) | (word & WAITERS)) === word) return true;
  }
}

/** Releases a lock acquired over `acquired`; returns the new word (the caller's next hint). */
export function unlock(i32: Int32Array, index: number, acquired: number): number {
  const next = nextSequence(acquired);
  // Publish every write made under the lock, and the new sequence, in one exchange.
  const old = Atomics.exchange(i32, index, next);
  if (old & WAITERS) Atomics.notify(i32, index, 1);
  return next;
}

/**
 * A plain mutex on a word for the heap (no sequence): 0 free, else `owner << 2 | LOCKED` with
 * WAITERS when someone sleeps. Taken rarely (chunk refills, table and buffer growth), always after
 * any shard lock. Ownership and takeover as invariants 2 and 5; every heap mutation is a single
 * store, so a heap lock taken over needs no repair.
 */
export function lockPlain(i32: Int32Array, index: number, who: LockOwner): void {
  const mine = lockedBy(who.ownerId);
  if (Atomics.compareExchange(i32, index, 0, mine) === 0) return;
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, mine) === 0) return;
  }
  for (let round = 1; ; round++) {
    let seen = Atomics.load(i32, index);
    if (seen === 0) {
      if (Atomics.compareExchange(i32, index, 0, mine | WAITERS) === 0) return;
      continue;
    }
    if ((seen & LOCKED) !== 0) checkNotSelf(i32, index, seen, who);
    if ((seen & WAITERS) === 0) {
      if (Atomics.compareExchange(i32, index, seen, seen | WAITERS) !== seen) continue;
      seen |= WAITERS;
    }
    let timedOut = true;
    if (canWait) {
      try {
        timedOut = Atomics.wait(i32, index, seen, WAIT_TIMEOUT_MS) === 'timed-out';
      } catch {
        canWait = false;
      }
    } else timedOut = round % SPINS_PER_CHECK === 0;
    if (!timedOut) continue;
    if (tryTakeOver(i32, index, seen, who)) return;
    checkHolder(i32, index, seen, who, true);
  }
}

export function unlockPlain(i32: Int32Array, index: number): void {
  if (Atomics.exchange(i32, index, 0) & WAITERS) Atomics.notify(i32, index, 1);
}
