/**
 * ShardLocks: a shard's lock and its seqlock read protocol (the lock word's encoding and
 * acquisition steps are lock.ts's). Shards (shard.ts) extends it with the shard's words, its
 * table's growth and crash consistency; both engines (striped.ts, syncmap/) go through the two.
 *
 * Writers: lock(s) ... unlock(s). Every mutation of a shard's table, its blobs or its control
 * block happens between the two; unlock advances the sequence (lock.ts, invariant 1).
 *
 * Readers (optimistic, seqlock): `seq = seqBegin(i32, lockWord(s))` (BUSY while a writer may be
 * mutating), copy what they need with plain bounds-checked reads, and accept the copy only if
 * `seqValidate(i32, lock, seq)` (readBegin/readValidate are the same, as methods). Two
 * Atomics.load calls per read. A holder that runs user code or long read-only work holds the
 * lock HELD (`hold` ... `touch`, lock.ts invariant 6): readers read through it as through an
 * unlocked sequence. After READ_ATTEMPTS failures a reader calls lockForRead, which takes the
 * lock (so a stream of writers cannot starve it) or hands back the HELD word it met: a reader
 * waits only for a mutation in progress, which runs no user code (lock.ts invariant 7).
 *
 * A lock taken over from a dead owner is repaired (Shards.recoverLocked, shard.ts invariant 6)
 * before lock() returns.
 *
 * Two of these steps also exist in WebAssembly (wasm/hot.wat), for striped's number paths: one
 * seqlock attempt (seqBegin, probe, seqValidate), and lock()'s second compareExchange (from the
 * word just loaded, if not TAKEN) with its bookkeeping, then unlock()'s exchange. They keep this
 * protocol word for word and hand every other case back (adoptLock), so the invariants stay here.
 */
import { S_HOLDER, S_LAST_SEQUENCE, S_LOCK, S_LOCK_ACQUISITIONS, S_LOCK_CONTENDED, S_LOCK_WAITS, S_OPTIMISTIC_RETRIES, S_TABLE, shardWord } from './layout.js';
import { HELD, LOCKED, TAKEN, hold, lockSlow, lockedBy, nextSequence, touch, unlock, type LockCounters, type LockOwner } from './lock.js';
import type { Views } from './views.js';
import { userCode } from './guard.js';
import { sameValue } from './codecs.js';

/** Optimistic attempts before a reader takes the lock (each failed one is a retry in stats). */
export const READ_ATTEMPTS = 4;
/** Loads a reader spins on a locked shard (readBeginSpinning) before counting a failed attempt. */
const READ_SPINS = 64;
/** readBegin's answer while a writer may be mutating: has the LOCKED bit, so no readable word equals it. */
export const BUSY = -1;

/**
 * The seqlock read as module functions of the views' Int32Array and the shard's lock word index
 * (lockWord): a hot reader calls them directly, and V8 inlines them whole. Reached through the
 * Shards object (readBegin, readValidate) each costs a property load and a map check more, and
 * its larger bytecode counts against the inlining budget of the reader (V8 stops inlining a hot
 * function's callees past ~920 bytecodes in all, and a hashing or probing helper left out of line
 * costs more than the seqlock itself).
 */

/** Int32 index of shard `s`'s lock/sequence word: what seqBegin and seqValidate take. */
export const lockWord = (s: number): number => shardWord(s, S_LOCK);

/** Seqlock step 1: the shard's sequence (or a HELD word), or BUSY while a holder mutates. One Atomics.load. */
export const seqBegin = (i32: Int32Array, lock: number): number => {
  const seq = Atomics.load(i32, lock);
  return (seq & LOCKED) === 0 ? seq : BUSY;
};

/** seqBegin, spinning up to READ_SPINS loads while a holder is mutating (mutations are short). */
export const seqBeginSpinning = (i32: Int32Array, lock: number): number => {
  let seq = Atomics.load(i32, lock);
  for (let spin = 0; (seq & LOCKED) !== 0 && spin < READ_SPINS; spin++) seq = Atomics.load(i32, lock);
  return (seq & LOCKED) === 0 ? seq : BUSY;
};

/** Seqlock step 2: no holder mutated the shard since seqBegin returned `seq`. One Atomics.load. */
export const seqValidate = (i32: Int32Array, lock: number, seq: number): boolean => Atomics.load(i32, lock) === seq;

/** Shard `s`'s table offset (S_TABLE), plain: optimistic readers validate it with the sequence. */
export const tableOf = (i32: Int32Array, s: number): number => i32[shardWord(s, S_TABLE)]!;

export abstract class ShardLocks {
  /** Per shard: the word this thread last saw unlocked (the CAS hint, lock.ts invariant 2). */
  private readonly hints: Int32Array;
  /** Per shard: the unlocked word the current hold was acquired over. */
  protected readonly acquired: Int32Array;
  private readonly counters: LockCounters = { waits: 0, tookOver: false, held: 0 };
  protected readonly lockOwner: LockOwner;
  /** What this thread's locked shard words look like (lock.ts invariant 2). */
  readonly lockedWord: number;
  /** Per shard: 1 while this instance holds its lock (who is waiting on whom, lock.ts). */
  protected readonly holding: Uint8Array;
  constructor(
    readonly views: Views,
    readonly shardCount: number,
    readonly ownerId: number,
    lockOwner: LockOwner,
  ) {
    this.lockOwner = lockOwner;
    this.lockedWord = lockedBy(ownerId);
    this.hints = new Int32Array(shardCount);
    this.acquired = new Int32Array(shardCount);
    this.holding = new Uint8Array(shardCount);
  }

  /** Repairs shard `s` after its lock was taken over from a dead owner (shard.ts invariant 6). */
  abstract recoverLocked(s: number): void;

  lock(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    // One CAS takes the lock and names this thread as its owner (lock.ts invariant 2).
    let seen = Atomics.compareExchange(i32, index, hint, this.lockedWord);
    if (seen !== hint && ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen)) {
      seen = this.lockContended(s, index, false);
    }
    this.acquired[s] = seen;
    this.holding[s] = 1;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = seen;
    i32[index + (S_LOCK_ACQUISITIONS - S_LOCK)]!++;
  }

  /**
   * lock()'s fast path in WebAssembly (wasm/hot.wat setNumber) took shard `s`'s lock and kept it:
   * this instance holds it, as after lock(). That path records S_LAST_SEQUENCE and the
   * acquisition as lock() does, so the word it took over is read back from S_LAST_SEQUENCE
   * (stable: only a holder writes it). It leaves `hints` alone: a stale hint costs lock() its
   * second compareExchange, never correctness.
   */
  adoptLock(s: number): void {
    this.acquired[s] = this.views.i32[shardWord(s, S_LAST_SEQUENCE)]!;
    this.holding[s] = 1;
  }

  /** lock()'s bookkeeping once acquired over `seen`, for the other acquires (lock() spells it out inline). */
  private acquiredLocked(s: number, index: number, seen: number): void {
    const i32 = this.views.i32;
    this.acquired[s] = seen;
    this.holding[s] = 1;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = seen;
    i32[index + (S_LOCK_ACQUISITIONS - S_LOCK)]!++;
  }

  /**
   * A reader's lock (lock.ts invariant 7): 0 once it holds shard `s`'s lock (the caller reads,
   * then unlocks), or the HELD word it met instead, to read against with readValidate. Waits only
   * while a holder may be mutating.
   */
  lockForRead(s: number): number {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    let seen = Atomics.compareExchange(i32, index, hint, this.lockedWord);
    if (seen !== hint) {
      if ((seen & TAKEN) === HELD) return seen;
      if ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen) {
        seen = this.lockContended(s, index, true);
        if (seen === -2) return this.counters.held;
      }
    }
    this.acquiredLocked(s, index, seen);
    return 0;
  }

  /** Takes shard `s`'s lock only if it is free now; never waits. */
  tryLock(s: number): boolean {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const seen = Atomics.load(i32, index);
    if ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen) return false;
    this.acquiredLocked(s, index, seen);
    return true;
  }

  private lockContended(s: number, index: number, yieldToHeld: boolean): number {
    const c = this.counters;
    c.waits = 0;
    c.tookOver = false;
    c.held = 0;
    const i32 = this.views.i32;
    const seen = lockSlow(i32, index, index + (S_HOLDER - S_LOCK), this.lockOwner, c, yieldToHeld);
    if (seen === -2) return seen; // a reader met a HELD word: it holds nothing
    // We hold the lock now: plain increments of our own line are safe.
    i32[shardWord(s, S_LOCK_CONTENDED)]!++;
    i32[shardWord(s, S_LOCK_WAITS)]! += c.waits;
    if (!c.tookOver) return seen;
    try {
      this.recoverLocked(s);
    } catch (error) {
      // A shard too corrupt to repair: release it (its readers and writers meet the corruption
      // themselves, as ERR_SHARDMAP_CORRUPT) rather than keep a lock no one will ever release.
      this.acquired[s] = this.sequenceAfterTakeover(s);
      this.holding[s] = 1;
      this.unlock(s);
      throw error;
    }
    return this.sequenceAfterTakeover(s);
  }

  /**
   * Lock.ts invariant 6: readers may read shard `s` while this holder runs user code or long
   * read-only work. Nothing readers read may change until touch() or unlock(). Under the lock.
   */
  hold(s: number): void {
    const index = shardWord(s, S_LOCK);
    hold(this.views.i32, index, index + (S_HOLDER - S_LOCK), this.acquired[s]!, this.lockedWord, this.ownerId);
  }

  /** Leaves the HELD state entered by hold(s), before the first mutation (one compareExchange). */
  touch(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    touch(i32, index, this.acquired[s]!, this.lockedWord);
    // A later hold in this acquisition must show a HELD word no reader saw before this touch.
    const next = nextSequence(this.acquired[s]!);
    this.acquired[s] = next;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = next;
  }

  /**
   * Runs `read` (which only reads) at one instant of shard `s`, never waiting for user code: under
   * its lock, held HELD so readers go on meanwhile, or against the HELD word another holder keeps
   * (lock.ts invariant 7), again if that holder mutated in between. A throw from a read that did
   * not validate is a torn read, and is retried; one that validated is real.
   */
  readShard<T>(s: number, read: () => T): T {
    for (;;) {
      const held = this.lockForRead(s);
      if (held === 0) {
        try {
          this.hold(s);
          return read();
        } finally {
          this.unlock(s);
        }
      }
      let result: T;
      try {
        result = read();
      } catch (error) {
        if (this.readValidate(s, held)) throw error;
        continue;
      }
      if (this.readValidate(s, held)) return result;
    }
  }

  /** The owner id holding shard `s`'s lock HELD (running user code or long work), or 0. */
  heldBy(s: number): number {
    const i32 = this.views.i32;
    if ((Atomics.load(i32, shardWord(s, S_LOCK)) & TAKEN) !== HELD) return 0;
    return i32[shardWord(s, S_HOLDER)]!;
  }

  /** The word to treat as acquired over after a takeover: past any sequence readers saw (lock.ts 5). */
  protected sequenceAfterTakeover(s: number): number {
    return nextSequence(this.views.i32[shardWord(s, S_LAST_SEQUENCE)]!);
  }

  unlock(s: number): void {
    this.holding[s] = 0;
    this.hints[s] = unlock(this.views.i32, shardWord(s, S_LOCK), this.acquired[s]!);
  }

  // --- the seqlock read (lock.ts invariant 1) --------------------------------------------------

  /**
   * Seqlock step 1: shard `s`'s readable word (its sequence, or a HELD word: lock.ts invariant 6),
   * or BUSY while a holder may be mutating. One Atomics.load.
   */
  readBegin(s: number): number {
    return seqBegin(this.views.i32, lockWord(s));
  }

  /** readBegin, spinning up to READ_SPINS loads while a holder is mutating (mutations are short). */
  readBeginSpinning(s: number): number {
    return seqBeginSpinning(this.views.i32, lockWord(s));
  }

  /**
   * Seqlock step 2: true if no holder mutated the shard since readBegin returned `seq`, so everything
   * read in between (plain reads, bounds-checked) was one instant's state. One Atomics.load.
   */
  readValidate(s: number, seq: number): boolean {
    return seqValidate(this.views.i32, lockWord(s), seq);
  }

  /** A failed optimistic read (Atomics.add, only on the retry path). */
  countRetry(s: number): void {
    Atomics.add(this.views.i32, shardWord(s, S_OPTIMISTIC_RETRIES), 1);
  }

  /**
   * sameValue under shard `s`'s lock. Comparing with an object may run its getters or a Proxy's
   * traps — user code — so that comparison runs with the lock HELD (lock.ts invariant 6) and this
   * thread's writes refused (guard.ts); the lock is touched again after it. Both engines' compare
   * paths call this.
   */
  sameValueLocked(s: number, stored: unknown, expected: unknown): boolean {
    if (typeof expected !== 'object' || expected === null) return sameValue(stored, expected);
    this.hold(s);
    userCode.n++;
    try {
      return sameValue(stored, expected);
    } finally {
      userCode.n--;
      this.touch(s);
    }
  }
}
