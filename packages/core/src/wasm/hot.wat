;; The hot paths in WebAssembly, over the layout layout.ts owns: the seqlock-validated get and
;; has of a number key (striped.ts getNumber, hasNumber) and of a short string key
;; (getShortString, hasShortString), a cache's get of a number key (cache/reads.ts getNumber),
;; and the lock fast path with the in-place overwrite of a number value by a number, for a number
;; key and a short string key (striped.ts setNumber, setShortString). The probe and the hashes
;; are probe.frag.wat's fragments. Their offsets are restated below as constants;
;; wasm-hot.test.ts checks every one against layout.ts, so the two cannot drift.
;;
;; Why WebAssembly: on Node 20-24 `Atomics.load` is a builtin call (10-50 ns) and a validated
;; read needs two; `i32.atomic.load` is one instruction (a plain mov on x86). V8 inlines the
;; JavaScript-to-WebAssembly wrapper into the caller, but the call itself stays: ~40 instructions
;; on Node 20 (a function that returns a global: 55 with its loop, 86 without the wrapper inlined).
;;
;; Every function answers only what is plain and leaves everything else to JavaScript, which then
;; runs its own protocol as if this code did not exist: they never retry, grow, allocate, recover
;; a dead owner's lock or report corruption. Every offset they load is checked against
;; memory.size first, so a torn or scribbled word cannot trap.
;;
;; Number keys come hashed (hash.ts hashNumber, masked): hashing them here measured slower, 13
;; instructions a get (JavaScript hashes a small-integer key it already knows is one, and the
;; key then crosses once, as a double, not back again to an integer).
;;
;; getNumber(num, hash) -> f64, one attempt of shard-lock.ts's seqlock read:
;;   seq = atomic load of the shard's lock word (LOCKED set -> SLOW); table, capacity, the probe
;;   (table.ts findNumber), all plain loads; the lock word again equals seq -> the answer stands,
;;   else SLOW. Result: the value found (any number but NaN), or NaN with `status`:
;;   STATUS_ABSENT 0 (validated miss), STATUS_NAN 1 (found, the value is NaN), STATUS_SLOW 2.
;;
;; hasNumber(num, hash) -> i32: getNumber's attempt for has(): 1 present, 0 absent, 2 SLOW.
;;
;; getString(n, p0..p7) -> f64: getNumber for a string key of n <= 16 UTF-16 code units, which
;;   cross as eight numbers (two units a word) and are hashed here as hash.ts hashString hashes
;;   them (`lastHash` keeps it, so a SLOW answer costs JavaScript no second hash), then compared
;;   in place with the stored key, UTF-16 or one byte a unit (T_LATIN1).
;;
;; hasString(n, p0..p7) -> i32: getString's attempt for has(), whatever the value: 1 present,
;;   0 absent (both validated), 2 SLOW; `lastHash` keeps the key's hash, as getString's does.
;;
;; setNumber(num, hash, value) -> i32, shard-lock.ts's lock() fast path:
;;   the lock word, one atomic load; TAKEN (lock.ts invariant 2: never acquired) -> SET_NOT_LOCKED 0,
;;   nothing done. Otherwise one compareExchange from that word to `locked` (this instance's
;;   locked word); it fails (another thread came first) -> SET_NOT_LOCKED. Taken: S_LAST_SEQUENCE
;;   = the word taken over and one more acquisition, as lock() records them; then if the key is
;;   there holding a number, one f64 store of `value` and the release of lock.ts's unlock()
;;   (exchange to the next sequence, notify if WAITERS) -> SET_STORED 1. Otherwise the lock stays
;;   taken, unchanged, -> SET_LOCKED 2: the caller adopts it (ShardLocks.adoptLock, which reads
;;   the word taken over from S_LAST_SEQUENCE) and goes on under it.
;;   A thread killed between the compareExchange and the exchange leaves the lock to be taken
;;   over as a JavaScript holder's would be; the overwrite is one store, so there is nothing to
;;   roll back (as for the JavaScript overwrite, which logs no intent either).
;; cacheGetNumber(num, hash, now, expiryBase, nodes) -> i32: getNumber's attempt for a cache
;;   (cache/reads.ts getNumber): also reads, inside the same seqlock window, the entry's policy
;;   node (tags >>> SLOT_NODE_SHIFT 16) and, for a node < `nodes`, its expiry f64 at
;;   expiryBase + 8 * node (the shard's expiry array, layout.ts cacheExpiryF64; JavaScript checked
;;   at attach that all `nodes` of it lie in the memory, which never shrinks). Result: the node of
;;   a validated hit whose value is a number and whose expiry is 0 or after `now`, the value kept
;;   for `value()`; CACHE_MISS -1 (validated miss); CACHE_SLOW -2 otherwise (JavaScript then reads
;;   as if this code did not exist: it counts and removes an expired entry). `now` = +Infinity
;;   makes every entry with an expiry SLOW: a cache without a default ttl passes it, so a get
;;   reads the clock only for the entries that have one.
;;
;; setString(n, p0..p7, value) -> i32: setNumber for a string key as getString takes it (hashed
;;   here, `lastHash` keeping the hash): the same lock fast path and answers.
;;
;; Small helpers are fragments spliced into each caller, or written out (the value tag test: byte 5
;; of a slot is its value tag): V8 on Node 20 does not inline wasm calls, ~20 instructions each.
;; @include probe.frag.wat
;; @define lockOf
    ;; $lock = the byte offset of the lock word of the shard $hash picks: HEADER_BYTES + shard * SHARD_BYTES
    (local.set $lock (i32.add (i32.const 256)
      (i32.shl (i32.and (local.get $hash) (global.get $shardMask))
               (i32.const 8))))
;; @end

;; @define acquireLock
    ;; lock()'s fast path on the lock word at $lock, or out of the function with SET_NOT_LOCKED 0
    (local.set $seen (i32.atomic.load (local.get $lock)))
    ;; TAKEN (LOCKED | HELD): lock.ts invariant 2, never acquired; JavaScript waits for it
    (if (i32.and (local.get $seen) (i32.const 5)) (then (return (i32.const 0))))
    (if (i32.ne (i32.atomic.rmw.cmpxchg (local.get $lock) (local.get $seen) (global.get $locked)) (local.get $seen))
      (then (return (i32.const 0))))
    ;; lock()'s bookkeeping: S_LAST_SEQUENCE (what a takeover releases past), acquisitions
    (i32.store offset=4 (local.get $lock) (local.get $seen))
    (i32.store offset=24 (local.get $lock) (i32.add (i32.load offset=24 (local.get $lock)) (i32.const 1)))
;; @end
;; @define releaseLock
    ;; lock.ts unlock(): the next sequence published in one exchange, then wake a sleeper
    (if (i32.and
          (i32.atomic.rmw.xchg (local.get $lock) (i32.add (i32.and (local.get $seen) (i32.const -8)) (i32.const 8)))
          (i32.const 2))
      (then (drop (memory.atomic.notify (local.get $lock) (i32.const 1)))))
;; @end

(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; Bits of the hash that choose the shard (log2 of the shard count).
  (import "env" "shardBits" (global $shardBits i32))
  ;; The shard count minus one (2^shardBits - 1): lockOf's mask, imported, not shifted per call.
  (import "env" "shardMask" (global $shardMask i32))
  ;; The map's hash seed, its block key (hash.ts blockKey) and the hash mask (layout.ts H_HASH_MASK).
  (import "env" "seed" (global $seed i32))
  (import "env" "blockKey" (global $blockKey i32))
  (import "env" "hashMask" (global $hashMask i32))
  ;; This instance's locked word (lock.ts lockedBy(owner)), which setNumber's acquire stores.
  (import "env" "locked" (global $locked i32))

  (global $status (mut i32) (i32.const 0))
  ;; getString's hash of its key, for JavaScript's generic lookup when the answer is SLOW.
  (global $lastHash (mut i32) (i32.const 0))
  ;; cacheGetNumber's value of its last hit.
  (global $value (mut f64) (f64.const 0))

  ;; --- layout.ts and lock.ts, restated (checked by wasm-hot.test.ts) ---
  ;; HEADER_BYTES 256, SHARD_BYTES 256, S_TABLE word 4, S_LAST_SEQUENCE word 1,
  ;; S_LOCK_ACQUISITIONS word 6, TABLE_HEADER_BYTES 8, TBL_CAPACITY word 0, SLOT_BYTES 24,
  ;; SLOT_HASH word 0, SLOT_TAGS word 1 (key tag in bits 0-7, value tag in 8-15: VALUE_TAG_BYTE 5
  ;; of the slot, little-endian), SLOT_KEY f64
  ;; at byte 8, SLOT_VALUE f64 at byte 16, T_NUMBER 5, LOCKED 1, WAITERS 2, HELD 4,
  ;; SEQUENCE_STEP 8, GROUP_WIDTH 4, MAX_CAPACITY 2^26, T_STRING 6, T_LATIN1 12, PAYLOAD_LENGTH word 1
  ;; (a string key's length, at byte 12 of the slot), SLOT_NODE_SHIFT 16 (a cache slot's policy
;; node: its tags word >>> 16).

  (func (export "status") (result i32) (global.get $status))
  (func (export "lastHash") (result i32) (global.get $lastHash))
  (func (export "value") (result f64) (global.get $value))

  (func $slow (result f64)
    (global.set $status (i32.const 2))
    (f64.const nan))

  (func (export "getNumber") (param $num f64) (param $hash i32) (result f64)
    (local $lock i32) (local $seq i32) (local $at i32) (local $value f64)
    ;; @use FIND_LOCALS
    ;; @use lockOf
    (local.set $seq (i32.atomic.load (local.get $lock)))
    (if (i32.and (local.get $seq) (i32.const 1)) (then (return (call $slow))))
    ;; @use find
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (call $slow))))
    (if (local.get $at)
      (then
        ;; a value that is not a number is decoded by JavaScript
        (if (i32.ne (i32.load8_u offset=5 (local.get $at)) (i32.const 5)) (then (return (call $slow))))
        (local.set $value (f64.load offset=16 (local.get $at)))))
    (if (i32.ne (i32.atomic.load (local.get $lock)) (local.get $seq)) (then (return (call $slow))))
    (if (i32.eqz (local.get $at)) (then (global.set $status (i32.const 0)) (return (f64.const nan))))
    (if (f64.ne (local.get $value) (local.get $value)) (then (global.set $status (i32.const 1)) (return (f64.const nan))))
    (local.get $value))

  ;; hasNumber(num, hash) -> i32: getNumber's attempt for has(), whatever the value: 1 present,
  ;; 0 absent (both validated), 2 SLOW.
  (func (export "hasNumber") (param $num f64) (param $hash i32) (result i32)
    (local $lock i32) (local $seq i32) (local $at i32)
    ;; @use FIND_LOCALS
    ;; @use lockOf
    (local.set $seq (i32.atomic.load (local.get $lock)))
    (if (i32.and (local.get $seq) (i32.const 1)) (then (return (i32.const 2))))
    ;; @use find
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.atomic.load (local.get $lock)) (local.get $seq)) (then (return (i32.const 2))))
    (i32.ne (local.get $at) (i32.const 0)))

  (func (export "setNumber") (param $num f64) (param $hash i32) (param $value f64) (result i32)
    (local $lock i32) (local $seen i32) (local $at i32)
    ;; @use FIND_LOCALS
    ;; @use lockOf
    ;; @use acquireLock
    ;; @use find
    (if (i32.le_s (local.get $at) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load8_u offset=5 (local.get $at)) (i32.const 5)) (then (return (i32.const 2))))
    (f64.store offset=16 (local.get $at) (local.get $value))
    ;; @use releaseLock
    (i32.const 1))

  ;; getString(n, p0..p7) -> f64: getNumber for a string key of n <= 16 code units, packed two a
  ;; word (unit 2k in the low half of pk, 2k+1 in the high half; units past the end are 0). The
  ;; key is hashed here as hash.ts hashString hashes it; `lastHash` keeps that hash.
  (func (export "getString") (param $n i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
        (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (result f64)
    (local $hash i32) (local $h i32) (local $b i32) (local $lock i32) (local $seq i32) (local $at i32)
    (local $value f64) (local $wide i32) (local $blob i32) (local $y i32)
    ;; @use FIND_LOCALS
    ;; @use hashShortString
    ;; @use lockOf
    (local.set $seq (i32.atomic.load (local.get $lock)))
    (if (i32.and (local.get $seq) (i32.const 1)) (then (return (call $slow))))
    ;; @use findString
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (call $slow))))
    (if (local.get $at)
      (then
        (if (i32.ne (i32.load8_u offset=5 (local.get $at)) (i32.const 5)) (then (return (call $slow))))
        (local.set $value (f64.load offset=16 (local.get $at)))))
    (if (i32.ne (i32.atomic.load (local.get $lock)) (local.get $seq)) (then (return (call $slow))))
    (if (i32.eqz (local.get $at)) (then (global.set $status (i32.const 0)) (return (f64.const nan))))
    (if (f64.ne (local.get $value) (local.get $value)) (then (global.set $status (i32.const 1)) (return (f64.const nan))))
    (local.get $value))

  ;; hasString(n, p0..p7) -> i32: getString's attempt for has(): 1 present, 0 absent, 2 SLOW.
  (func (export "hasString") (param $n i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
        (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (result i32)
    (local $hash i32) (local $h i32) (local $b i32) (local $lock i32) (local $seq i32) (local $at i32)
    (local $wide i32) (local $blob i32) (local $y i32)
    ;; @use FIND_LOCALS
    ;; @use hashShortString
    ;; @use lockOf
    (local.set $seq (i32.atomic.load (local.get $lock)))
    (if (i32.and (local.get $seq) (i32.const 1)) (then (return (i32.const 2))))
    ;; @use findString
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.atomic.load (local.get $lock)) (local.get $seq)) (then (return (i32.const 2))))
    (i32.ne (local.get $at) (i32.const 0)))

  ;; setString(n, p0..p7, value) -> i32: setNumber for a string key of n <= 16 code units packed
  ;; as getString's: SET_NOT_LOCKED 0, SET_STORED 1, SET_LOCKED 2; `lastHash` keeps the hash.
  (func (export "setString") (param $n i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
        (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $value f64) (result i32)
    (local $hash i32) (local $h i32) (local $b i32) (local $lock i32) (local $seen i32) (local $at i32)
    (local $wide i32) (local $blob i32) (local $y i32)
    ;; @use FIND_LOCALS
    ;; @use hashShortString
    ;; @use lockOf
    ;; @use acquireLock
    ;; @use findString
    (if (i32.le_s (local.get $at) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load8_u offset=5 (local.get $at)) (i32.const 5)) (then (return (i32.const 2))))
    (f64.store offset=16 (local.get $at) (local.get $value))
    ;; @use releaseLock
    (i32.const 1))

  (func (export "cacheGetNumber") (param $num f64) (param $hash i32) (param $now f64)
        (param $expiryBase i32) (param $nodes i32) (result i32)
    (local $lock i32) (local $seq i32) (local $at i32) (local $value f64) (local $node i32) (local $expiry f64)
    ;; @use FIND_LOCALS
    ;; @use lockOf
    (local.set $seq (i32.atomic.load (local.get $lock)))
    (if (i32.and (local.get $seq) (i32.const 1)) (then (return (i32.const -2))))
    ;; @use find
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (i32.const -2))))
    (if (local.get $at)
      (then
        (if (i32.ne (i32.load8_u offset=5 (local.get $at)) (i32.const 5)) (then (return (i32.const -2))))
        (local.set $node (i32.shr_u (i32.load offset=4 (local.get $at)) (i32.const 16)))
        (if (i32.lt_u (local.get $node) (local.get $nodes))
          (then (local.set $expiry (f64.load (i32.add (local.get $expiryBase) (i32.shl (local.get $node) (i32.const 3)))))))
        (local.set $value (f64.load offset=16 (local.get $at)))))
    (if (i32.ne (i32.atomic.load (local.get $lock)) (local.get $seq)) (then (return (i32.const -2))))
    (if (i32.eqz (local.get $at)) (then (return (i32.const -1))))
    ;; an expiry not after `now` (or any, for now = +Infinity): JavaScript decides
    (if (f64.ne (local.get $expiry) (f64.const 0))
      (then (if (i32.eqz (f64.gt (local.get $expiry) (local.get $now))) (then (return (i32.const -2))))))
    (global.set $value (local.get $value))
    (local.get $node))

)
