/**
 * The shard lock: a futex mutex and a seqlock sequence in ONE Int32 word, so a write costs two
 * Atomics calls (one compareExchange to lock, one exchange to unlock) and a lock-free read two
 * Atomics.load calls.
 *
 *   unlocked:          sequence << 3                       (bits 0-2 clear)
 *   locked (touching): owner << 3 | WAITERS? | LOCKED      (the holder's owner id, not the sequence)
 *   held, untouched:   acquired | WAITERS? | HELD          (the sequence the hold was acquired over)
 *
 * Invariants
 *  1. The unlocked word is the sequence; unlock stores the word the hold was acquired over plus
 *     SEQUENCE_STEP. A reader that loads the same readable word (bit 0 clear: unlocked, or held
 *     untouched, invariant 6) before and after its plain reads saw no write (seqlock: Linux
 *     seqlock.h; the loads are Atomics.load, sequentially consistent, per Boehm 2012). While the
 *     word is LOCKED readers only need the LOCKED bit, so the word holds the owner instead. The
 *     sequence wraps after 2^29 unlocks; a reader would need exactly that many writes during one
 *     lookup to be fooled.
 *  2. Acquire is one compareExchange from an unlocked word to `owner << 3 | LOCKED`: the owner is
 *     recorded by the same atomic step that takes the lock, so a thread killed at any point either
 *     holds a lock that names it (in the word, or in the holder word of invariant 6) or holds none.
 *     The expected value is this thread's last sight of the word (`hint`): right whenever this
 *     thread was the last writer, so the uncontended path makes one Atomics call, not two. The
 *     holder keeps the word it acquired over (and copies it, plainly, into the shard's
 *     S_LAST_SEQUENCE for recovery). A word with LOCKED or HELD set (TAKEN) is never acquired.
 *  3. A thread about to sleep first sets WAITERS with a CAS on the taken word, then waits while
 *     the word still equals what it set. Unlock exchanges the word and notifies one sleeper only if
 *     the old word had WAITERS; a holder moving between LOCKED and HELD carries WAITERS over. A
 *     woken thread acquires with WAITERS set (it cannot know whether others still sleep), so the
 *     next unlock notifies again: no lost wake-ups (Drepper, "Futexes Are Tricky", mutex3).
 *  4. Sleeping uses a timeout, so no wait is unbounded. Where Atomics.wait may not be called (a
 *     browser's main thread) the lock spins with a growing backoff (spinBackoff).
 *  5. Takeover: a sleeper whose timed wait ran out asks `ownerDead(owner of the lock)` (the owner
 *     registry); if so it CASes the taken word to name itself. One CAS wins; the winner holds the
 *     lock and must repair the shard first (LockCounters.tookOver). It releases to S_LAST_SEQUENCE +
 *     2 steps: beyond any sequence a reader can have seen, whether or not the dead holder got to
 *     copy its own.
 *  6. HELD, "held, table untouched": a holder about to run user code or long read-only work
 *     (update() callbacks, compare paths given objects, decoding a shard or the whole map) first
 *     writes its owner id into the shard's holder word (S_HOLDER, plainly: it holds the lock), then
 *     swaps its LOCKED word for `acquired | HELD` (hold). It changes nothing readers read while the
 *     word is HELD — beyond words that writers change with no lock at all, each change one atomic
 *     step no reader validates against this word (syncmap's inline cell states, syncmap/engine.ts
 *     invariants 4' and 8) — and leaves HELD with one compareExchange back to its LOCKED word
 *     (touch) before its first mutation, or by unlocking. Bit 0 is clear, so readers read and validate against the
 *     HELD word as against a sequence: it differs from every unlocked word (bit 2) and from every
 *     other HELD word (its sequence bits are the acquired word's, which unlock advances; a touch
 *     advances the holder's acquired word too, and S_LAST_SEQUENCE with it, so a second hold in
 *     one acquisition shows a new word).
 *     A waiter setting WAITERS on it makes a concurrent reader retry once. Writers treat it as taken
 *     and wait; the owner a takeover checks is the holder word's. A HELD lock taken over from a dead
 *     owner needs no rollback: its holder mutated nothing readers read but such lock-free words,
 *     each change complete in its one step (an engine's own marks, such as syncmap's seals, are the
 *     engine's recovery hook's).
 *  7. Readers never wait for a HELD word (lockForRead hands it back to be read against), and user
 *     code running under a HELD lock may not write any shardmap structure (guard.ts). A thread
 *     therefore sleeps only on a LOCKED word, whose holder runs no user code and waits for no shard
 *     lock, or, as a writer outside any callback, on a HELD one; a whole-map operation waiting for
 *     its next lock keeps the ones it holds HELD. No cycle of waits can form.
 */

import { corruptError, reentrantError } from './errors.js';

export const LOCKED = 1;
export const WAITERS = 2;
/** Held, table untouched (invariant 6): readers read against the word, writers wait. */
export const HELD = 4;
/** A word with either bit is held: writers never acquire it (invariant 2). */
export const TAKEN = LOCKED | HELD;
const FLAGS = LOCKED | WAITERS | HELD;
export const SEQUENCE_STEP = 8;
const OWNER_SHIFT = 3;

/** The word a lock held by `owner` shows while it may mutate (LOCKED, without WAITERS). */
export function lockedBy(owner: number): number {
  return (owner << OWNER_SHIFT) | LOCKED;
}

/** The owner named by a LOCKED word. */
export function ownerOf(word: number): number {
  return word >>> OWNER_SHIFT;
}

/** The owner of taken word `word` at `index`: its own bits if LOCKED, else the holder word's (invariant 6). */
function holderOf(i32: Int32Array, index: number, holderIndex: number, word: number): number {
  return (word & LOCKED) !== 0 || holderIndex < 0 ? ownerOf(word) : i32[holderIndex]!;
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
  /** lockSlow with `yieldToHeld`: the HELD word it met instead of acquiring (0: it acquired). */
  held: number;
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
function checkNotSelf(owner: number, index: number, who: LockOwner): void {
  const local = who.localHold(owner, index);
  if (local === 1) throw reentrantError('a method of another instance of the same map');
  if (local === 0) throw corruptError('lock', `a lock names owner ${owner} of this thread, which does not hold it`);
}

/**
 * A lock word that names no registered owner was overwritten: waiting would never end. `plain`:
 * the heap lock, where any non-zero word must be LOCKED.
 */
function checkHolder(i32: Int32Array, index: number, holderIndex: number, word: number, who: LockOwner, plain: boolean): void {
  // Only a word that stayed the same through a whole timed wait counts: recovery may have just
  // taken it over (and freed the dead owner's id) while we slept.
  if (Atomics.load(i32, index) !== word) return;
  if (plain && word !== 0 && (word & LOCKED) === 0) throw corruptError('lock', `the heap lock word ${word} is impossible`);
  const owner = holderOf(i32, index, holderIndex, word);
  if ((word & TAKEN) !== 0 && !who.ownerKnown(owner)) {
    throw corruptError('lock', `a lock is held by owner ${owner}, which no map instance has`);
  }
}

/** Where Atomics.wait is not allowed: spin this long between liveness checks (a sleep's timeout). */
const SPIN_CHECK_MS = WAIT_TIMEOUT_MS;
/**
 * Longest backoff between two loads of a contended word on a thread that may not sleep, in pause
 * steps (Atomics.pause where the engine has it, else one load of the word). Doubling from 1 up to
 * 1024 keeps a spinner's loads from stealing the holder's cache line every few nanoseconds, and
 * adds at most ~1024 steps (~1-5 µs) of lateness after the release it waits for.
 */
const MAX_BACKOFF = 1024;
const pause: ((n?: number) => void) | undefined = (Atomics as { pause?: (n?: number) => void }).pause;

/** Backs off for `steps` pause steps (invariant 4). */
function spinBackoff(i32: Int32Array, index: number, steps: number): void {
  if (pause !== undefined) for (let i = 0; i < steps; i++) pause(1);
  else for (let i = 0; i < steps; i++) Atomics.load(i32, index);
}

/**
 * The out-of-line acquire: spin, then sleep. Returns the unlocked word it acquired over, or -1 if
 * it took the lock over from a dead owner (invariant 5: the caller repairs, and picks the word).
 * `holderIndex`: the holder word of HELD locks (invariant 6), -1 for none. `yieldToHeld`: a
 * reader's acquire (invariant 7), which returns -2 with `counters.held` set on meeting a HELD word.
 */
export function lockSlow(i32: Int32Array, index: number, holderIndex: number, who: LockOwner, counters: LockCounters, yieldToHeld: boolean): number {
  const mine = lockedBy(who.ownerId);
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    const seen = Atomics.load(i32, index);
    if ((seen & TAKEN) === 0) {
      if (Atomics.compareExchange(i32, index, seen, mine) === seen) return seen;
    } else if (yieldToHeld && (seen & LOCKED) === 0) return yieldHeld(counters, seen);
  }
  let backoff = 1;
  let spinningSince = 0;
  for (;;) {
    let seen = Atomics.load(i32, index);
    if ((seen & TAKEN) === 0) {
      // Acquire with WAITERS kept: others may still sleep (invariant 3).
      if (Atomics.compareExchange(i32, index, seen, mine | WAITERS) === seen) return seen;
      continue;
    }
    if (yieldToHeld && (seen & LOCKED) === 0) return yieldHeld(counters, seen);
    checkNotSelf(holderOf(i32, index, holderIndex, seen), index, who);
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
    }
    if (!canWait) {
      spinBackoff(i32, index, backoff);
      backoff = Math.min(2 * backoff, MAX_BACKOFF);
      const now = Date.now();
      if (spinningSince === 0) spinningSince = now;
      timedOut = now - spinningSince >= SPIN_CHECK_MS;
      if (timedOut) spinningSince = now;
    }
    if (!timedOut) continue;
    if (tryTakeOver(i32, index, holderIndex, seen, who)) {
      counters.tookOver = true;
      return -1;
    }
    checkHolder(i32, index, holderIndex, seen, who, false);
  }
}

function yieldHeld(counters: LockCounters, word: number): number {
  counters.held = word;
  return -2;
}

/** Invariant 5: claims the lock `word` (as last seen) if its owner is dead. */
export function tryTakeOver(i32: Int32Array, index: number, holderIndex: number, word: number, who: LockOwner): boolean {
  if ((word & TAKEN) === 0 || !who.ownerDead(holderOf(i32, index, holderIndex, word))) return false;
  return Atomics.compareExchange(i32, index, word, lockedBy(who.ownerId) | (word & WAITERS)) === word;
}

/**
 * Takes the lock at `index` over if a dead owner holds it, retrying while sleepers change its
 * WAITERS bit under us (recovery must not skip a lock and leave it held by a freed owner id).
 */
export function takeOverIfDead(i32: Int32Array, index: number, holderIndex: number, who: LockOwner): boolean {
  for (;;) {
    const word = Atomics.load(i32, index);
    if ((word & TAKEN) === 0 || !who.ownerDead(holderOf(i32, index, holderIndex, word))) return false;
    if (Atomics.compareExchange(i32, index, word, lockedBy(who.ownerId) | (word & WAITERS)) === word) return true;
  }
}

/**
 * Invariant 6, entering HELD: the holder of a lock acquired over `acquired`, whose word is
 * `locked` (its LOCKED word) or that plus WAITERS, names itself in the holder word, then lets
 * readers in. One compareExchange; a second store if a sleeper set WAITERS meanwhile.
 */
export function hold(i32: Int32Array, index: number, holderIndex: number, acquired: number, locked: number, owner: number): void {
  i32[holderIndex] = owner; // before the word stops naming us (invariant 2)
  const held = (acquired & ~FLAGS) | HELD;
  // Only sleepers change a taken word, and only by setting WAITERS: carry it over (invariant 3).
  if (Atomics.compareExchange(i32, index, locked, held) !== locked) Atomics.store(i32, index, held | WAITERS);
}

/** Invariant 6, leaving HELD before a mutation: back to the holder's LOCKED word, WAITERS kept. */
export function touch(i32: Int32Array, index: number, acquired: number, locked: number): void {
  const held = (acquired & ~FLAGS) | HELD;
  if (Atomics.compareExchange(i32, index, held, locked) !== held) Atomics.store(i32, index, locked | WAITERS);
}

/** Releases a lock acquired over `acquired` (LOCKED or HELD); returns the new word (the caller's next hint). */
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
  let backoff = 1;
  let spinningSince = 0;
  for (;;) {
    let seen = Atomics.load(i32, index);
    if (seen === 0) {
      if (Atomics.compareExchange(i32, index, 0, mine | WAITERS) === 0) return;
      continue;
    }
    if ((seen & LOCKED) !== 0) checkNotSelf(ownerOf(seen), index, who);
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
    }
    if (!canWait) {
      spinBackoff(i32, index, backoff);
      backoff = Math.min(2 * backoff, MAX_BACKOFF);
      const now = Date.now();
      if (spinningSince === 0) spinningSince = now;
      timedOut = now - spinningSince >= SPIN_CHECK_MS;
      if (timedOut) spinningSince = now;
    }
    if (!timedOut) continue;
    if (tryTakeOver(i32, index, -1, seen, who)) return;
    checkHolder(i32, index, -1, seen, who, true);
  }
}

export function unlockPlain(i32: Int32Array, index: number): void {
  if (Atomics.exchange(i32, index, 0) & WAITERS) Atomics.notify(i32, index, 1);
}
