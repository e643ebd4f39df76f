/**
 * The shard lock: a futex mutex and a seqlock sequence in ONE Int32 word, so a write costs two
 * Atomics calls (one compareExchange to lock, one exchange to unlock) and a lock-free read two
 * Atomics.load calls.
 *
 *   bit 0      LOCKED   a writer holds the shard
 *   bit 1      WAITERS  someone may sleep in Atomics.wait on this word (Drepper's state 2)
 *   bits 2..31 sequence, advanced by every unlock
 *
 * Invariants
 *  1. Only the holder changes the sequence, and only when unlocking: unlock stores
 *     (seq + 1) << 2 with both flag bits clear. A reader that loads the same word before and after
 *     its plain reads, with LOCKED clear both times, saw no write (seqlock: Linux seqlock.h; the
 *     loads are Atomics.load, sequentially consistent, per Boehm 2012). The sequence wraps after
 *     2^30 unlocks; a reader would need exactly that many writes during one lookup to be fooled.
 *  2. Acquire is one compareExchange from an unlocked word `w` to `w | LOCKED`. The expected
 *     value is this thread's last sight of the word (`hint`): right whenever this thread was the
 *     last writer, so the uncontended single-thread path makes one Atomics call, not two.
 *  3. A thread about to sleep first sets WAITERS with a CAS on the locked word, then waits while
 *     the word still equals what it set. Unlock exchanges the word and notifies one sleeper only
 *     if the old word had WAITERS. A woken thread acquires with WAITERS set (it cannot know whether
 *     others still sleep), so the next unlock notifies again: no lost wake-ups (Drepper, "Futexes
 *     Are Tricky", mutex3).
 *  4. Sleeping uses a timeout, so no wait is unbounded. Where Atomics.wait may not be called (a
 *     browser's main thread) the lock only spins.
 *  5. The holder's owner id is stored in the owner word right after the acquiring CAS, with no call
 *     and no loop in between. V8 ends a terminated thread only at interrupt checks (function
 *     entries, loop back-edges), so a lock held by a dead thread always names its owner.
 *  6. Takeover: a sleeper whose timed wait ran out asks `ownerDead(owner)` (the owner registry);
 *     if the owner was marked dead it CASes the owner word from the dead id to its own. One CAS
 *     wins; the winner holds the lock (still LOCKED, sequence unchanged) and must repair the
 *     shard before using it (LockCounters.tookOver tells it to).
 */

export const LOCKED = 1;
export const WAITERS = 2;
const FLAGS = LOCKED | WAITERS;
const SEQUENCE_STEP = 4;

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

/** Who may hold a lock: where its owner word is, this thread's id, and the registry's verdict. */
export interface LockOwner {
  readonly ownerIndex: number;
  readonly ownerId: number;
  ownerDead(owner: number): boolean;
}

/** Spins (no sleeping) between liveness checks where Atomics.wait is not allowed. */
const SPINS_PER_CHECK = 100_000;

/**
 * The out-of-line acquire: spin, then sleep. Returns the unlocked word it acquired over (with
 * WAITERS possibly set in the stored word) and stores the owner (invariant 5).
 */
export function lockSlow(i32: Int32Array, index: number, who: LockOwner, counters: LockCounters): number {
  const { ownerIndex, ownerId } = who;
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    const seen = Atomics.load(i32, index);
    if ((seen & LOCKED) === 0 && Atomics.compareExchange(i32, index, seen, seen | LOCKED) === seen) {
      i32[ownerIndex] = ownerId;
      return seen;
    }
  }
  for (let round = 1; ; round++) {
    let seen = Atomics.load(i32, index);
    if ((seen & LOCKED) === 0) {
      // Acquire with WAITERS kept: others may still sleep (invariant 3).
      if (Atomics.compareExchange(i32, index, seen, seen | LOCKED | WAITERS) === seen) {
        i32[ownerIndex] = ownerId;
        return seen & ~WAITERS;
      }
      continue;
    }
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
    if (timedOut && tryTakeOver(i32, who)) {
      counters.tookOver = true;
      return Atomics.load(i32, index) & ~(LOCKED | WAITERS);
    }
  }
}

/** Invariant 6: claims a lock whose owner is dead. True if this thread now holds it. */
function tryTakeOver(i32: Int32Array, who: LockOwner): boolean {
  const owner = Atomics.load(i32, who.ownerIndex);
  return owner > 0 && who.ownerDead(owner) && Atomics.compareExchange(i32, who.ownerIndex, owner, who.ownerId) === owner;
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
 * A plain mutex on a word for the heap (no sequence): 0 free, 1 locked, 2 locked with waiters.
 * Taken rarely (chunk refills, table and buffer growth), always after any shard lock. Its owner
 * word and takeover follow invariants 5 and 6; every heap mutation is a single store, so a taken
 * over heap lock needs no repair.
 */
export function lockPlain(i32: Int32Array, index: number, who: LockOwner): void {
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) {
    i32[who.ownerIndex] = who.ownerId;
    return;
  }
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, 1) === 0) {
      i32[who.ownerIndex] = who.ownerId;
      return;
    }
  }
  for (let round = 1; Atomics.exchange(i32, index, 2) !== 0; round++) {
    let timedOut = true;
    if (canWait) {
      try {
        timedOut = Atomics.wait(i32, index, 2, WAIT_TIMEOUT_MS) === 'timed-out';
      } catch {
        canWait = false;
      }
    } else timedOut = round % SPINS_PER_CHECK === 0;
    if (timedOut && tryTakeOver(i32, who)) return;
  }
  i32[who.ownerIndex] = who.ownerId;
}

export function unlockPlain(i32: Int32Array, index: number, ownerIndex: number): void {
  i32[ownerIndex] = 0;
  if (Atomics.exchange(i32, index, 0) === 2) Atomics.notify(i32, index, 1);
}
