;; The hot paths in WebAssembly, over the layout layout.ts owns: the seqlock-validated get of a
;; number key (striped.ts getNumber) and of a short string key (getShortString), a cache's get
;; of a number key (cache/reads.ts getNumber), and the lock fast path with the in-place overwrite
;; of a number value by a number (striped.ts setNumber).
;; Their offsets are restated below as constants; wasm-hot.test.ts checks every one against
;; layout.ts, so the two cannot drift.
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
;; setString(n, p0..p7, value) -> i32: setNumber for a string key as getString takes it (hashed
;;   here, `lastHash` keeping the hash): the same lock fast path and answers.
;;
;; Small helpers are fragments spliced into each caller, or written out (the value tag test: byte 5
;; of a slot is its value tag): V8 on Node 20 does not inline wasm calls, ~20 instructions each.
;; @define finalizeHash
    ;; $hash = hash.ts finalize($h) (Murmur3's fmix32), then the mask (H_HASH_MASK)
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
    (local.set $hash (i32.and (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (global.get $hashMask)))
;; @end
;; @define lockOf
    ;; $lock = the byte offset of the lock word of the shard $hash picks: HEADER_BYTES + shard * SHARD_BYTES
    (local.set $lock (i32.add (i32.const 256)
      (i32.shl (i32.and (local.get $hash) (global.get $shardMask))
               (i32.const 8))))
;; @end
;; @define numberCandidate
          ;; the slot of $m's lowest match in group $g: out of $probe with $at set if it holds $num
          (local.set $candidate
            (i32.add (local.get $slots)
              (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 2)) (i32.shr_u (i32.ctz (local.get $m)) (i32.const 3)))
                       (i32.const 24))))
          (if (i32.eq (i32.load (local.get $candidate)) (local.get $hash))
            (then
              (if (i32.eq (i32.load8_u offset=4 (local.get $candidate)) (i32.const 5))
                (then
                  (local.set $stored (f64.load offset=8 (local.get $candidate)))
                  ;; SameValueZero: equal (the hit, nearly always, once hash and tag agree), or both NaN
                  (if (f64.eq (local.get $stored) (local.get $num))
                    (then (local.set $at (local.get $candidate)) (br $probe)))
                  (if (f64.ne (local.get $num) (local.get $num))
                    (then
                      (if (f64.ne (local.get $stored) (local.get $stored))
                        (then (local.set $at (local.get $candidate)) (br $probe)))))))))
;; @end
;; @define numberGroup
      ;; group $g: its four control bytes, one word
      (local.set $word (i32.load offset=8 (i32.add (local.get $table) (i32.shl (local.get $g) (i32.const 2)))))
      ;; control.ts matchTag (its false positives are ruled out by the hash and key compares)
      (local.set $x (i32.xor (local.get $word) (local.get $tagBytes)))
      (local.set $m (i32.and (i32.and (i32.sub (local.get $x) (i32.const 0x01010101)) (i32.xor (local.get $x) (i32.const -1))) (i32.const 0x80808080)))
      (block $noMatch
        (br_if $noMatch (i32.eqz (local.get $m)))
        ;; @use numberCandidate
        (loop $matches
          (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
          (br_if $noMatch (i32.eqz (local.get $m)))
          ;; @use numberCandidate
          (br $matches)))
      ;; control.ts matchEmpty: an EMPTY byte ends the probe
      (if (i32.and (i32.and (local.get $word) (i32.xor (i32.shl (local.get $word) (i32.const 6)) (i32.const -1))) (i32.const 0x80808080))
        (then (local.set $at (i32.const 0)) (br $probe)))
;; @end
;; @define find
  ;; Sets $at to the byte offset of the slot holding number key $num (hash $hash) in the table of
  ;; the shard whose lock word is at $lock; to 0 if the probe met an EMPTY byte first (absent);
  ;; to -1 if the table is implausible or every group was full (JavaScript decides). Spliced into
  ;; each caller by scripts/assemble-wasm.mjs: V8 on Node 20 does not inline wasm calls (~55
  ;; instructions a get). The caller declares the locals of FIND_LOCALS. Tests are branches, not
  ;; i32.and/or of comparisons: V8 materializes each comparison so combined as a setcc.
  (block $probe
    (local.set $at (i32.const -1))
    (local.set $end (i32.shl (memory.size) (i32.const 16)))
    (local.set $table (i32.load offset=16 (local.get $lock)))
    ;; table > 0, 8-aligned, its header inside the memory (unsigned: a negative is huge)
    (br_if $probe (i32.eqz (local.get $table)))
    (br_if $probe (i32.and (local.get $table) (i32.const 7)))
    (br_if $probe (i32.gt_u (local.get $table) (i32.sub (local.get $end) (i32.const 8))))
    (local.set $capacity (i32.load (local.get $table)))
    ;; 8 <= capacity <= 2^26, a power of two
    (br_if $probe (i32.gt_u (local.get $capacity) (i32.const 67108864)))
    (br_if $probe (i32.lt_u (local.get $capacity) (i32.const 8)))
    (br_if $probe (i32.and (local.get $capacity) (i32.sub (local.get $capacity) (i32.const 1))))
    ;; table + 8 + capacity * 25 <= end (no overflow: table < end <= 2^31, capacity * 25 < 2^31)
    (br_if $probe (i32.gt_u (i32.add (i32.add (local.get $table) (i32.const 8)) (i32.mul (local.get $capacity) (i32.const 25))) (local.get $end)))
    (local.set $slots (i32.add (i32.add (local.get $table) (i32.const 8)) (local.get $capacity)))
    (local.set $groupMask (i32.sub (i32.shr_u (local.get $capacity) (i32.const 2)) (i32.const 1)))
    (local.set $tagBytes (i32.mul (i32.shr_u (local.get $hash) (i32.const 25)) (i32.const 0x01010101)))
    (local.set $g (i32.and (i32.shr_u (local.get $hash) (global.get $shardBits)) (local.get $groupMask)))
    (local.set $step (i32.const 1))
    ;; The first group outside the loop, and its first match outside the inner one: V8 checks the
    ;; stack at every loop entry, and most gets end at the first match of the first group.
    ;; @use numberGroup
    (loop $groups
      (local.set $g (i32.and (i32.add (local.get $g) (local.get $step)) (local.get $groupMask)))
      (local.set $step (i32.add (local.get $step) (i32.const 1)))
      ;; every group full: $at stays -1
      (br_if $probe (i32.gt_u (local.get $step) (i32.add (local.get $groupMask) (i32.const 1))))
      ;; @use numberGroup
      (br $groups)))
;; @end
;; @define FIND_LOCALS
    (local $end i32) (local $table i32) (local $capacity i32) (local $slots i32)
    (local $groupMask i32) (local $tagBytes i32) (local $g i32) (local $step i32)
    (local $word i32) (local $x i32) (local $m i32) (local $candidate i32) (local $stored f64)
;; @end

;; @define hashPair
    ;; hash.ts hashString: code units 2k and 2k+1 as one block (the unit past the end is 0, as
    ;; the tail block is the last unit alone), XORed with the block key, then Murmur3's mix
    (if (i32.lt_u (i32.const {k*2}) (local.get $n))
      (then
        (local.set $b (i32.mul (i32.xor (local.get $p{k}) (global.get $blockKey)) (i32.const 0xcc9e2d51)))
        (local.set $b (i32.mul (i32.rotl (local.get $b) (i32.const 15)) (i32.const 0x1b873593)))
        (local.set $h (i32.rotl (i32.xor (local.get $h) (local.get $b)) (i32.const 13)))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 5)) (i32.const 0xe6546b64)))))
;; @end
;; @define hashShortString
    ;; $hash = hash.ts hashString of the n <= 16 units in $p0..$p7, kept in $lastHash too
    (local.set $h (global.get $seed))
    ;; @use hashPair k=0
    ;; @use hashPair k=1
    ;; @use hashPair k=2
    ;; @use hashPair k=3
    ;; @use hashPair k=4
    ;; @use hashPair k=5
    ;; @use hashPair k=6
    ;; @use hashPair k=7
    ;; hash.ts finalize(h ^ (n << 1))
    (local.set $h (i32.xor (local.get $h) (i32.shl (local.get $n) (i32.const 1))))
    ;; @use finalizeHash
    (global.set $lastHash (local.get $hash))
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
;; @define comparePair
    ;; units 2k, 2k+1 of the stored key (UTF-16, or Latin-1 bytes spread to units) against pair k
    (if (i32.lt_u (i32.const {k*2}) (local.get $n))
      (then
        (if (local.get $wide)
          (then
            (local.set $x (if (result i32) (i32.lt_u (i32.const {k*2+1}) (local.get $n))
              (then (i32.load offset={k*4} (local.get $blob)))
              (else (i32.load16_u offset={k*4} (local.get $blob))))))
          (else
            (local.set $x (if (result i32) (i32.lt_u (i32.const {k*2+1}) (local.get $n))
              (then
                (local.set $y (i32.load16_u offset={k*2} (local.get $blob)))
                (i32.or (i32.and (local.get $y) (i32.const 0xff)) (i32.shl (i32.and (local.get $y) (i32.const 0xff00)) (i32.const 8))))
              (else (i32.load8_u offset={k*2} (local.get $blob)))))))
        (br_if $mismatch (i32.ne (local.get $x) (local.get $p{k})))))
;; @end
;; @define findString
  ;; As find, for a string key of $n <= 16 code units packed two a word in $p0..$p7: sets $at to
  ;; its slot, 0 (absent) or -1 (JavaScript decides). Keys are stored UTF-16 (T_STRING 6) or
  ;; one byte a unit (T_LATIN1 12), the length in the key payload's second word (byte 12).
  (block $probe
    (local.set $at (i32.const -1))
    (local.set $end (i32.shl (memory.size) (i32.const 16)))
    (local.set $table (i32.load offset=16 (local.get $lock)))
    (br_if $probe (i32.eqz (local.get $table)))
    (br_if $probe (i32.and (local.get $table) (i32.const 7)))
    (br_if $probe (i32.gt_u (local.get $table) (i32.sub (local.get $end) (i32.const 8))))
    (local.set $capacity (i32.load (local.get $table)))
    (br_if $probe (i32.gt_u (local.get $capacity) (i32.const 67108864)))
    (br_if $probe (i32.lt_u (local.get $capacity) (i32.const 8)))
    (br_if $probe (i32.and (local.get $capacity) (i32.sub (local.get $capacity) (i32.const 1))))
    (br_if $probe (i32.gt_u (i32.add (i32.add (local.get $table) (i32.const 8)) (i32.mul (local.get $capacity) (i32.const 25))) (local.get $end)))
    (local.set $slots (i32.add (i32.add (local.get $table) (i32.const 8)) (local.get $capacity)))
    (local.set $groupMask (i32.sub (i32.shr_u (local.get $capacity) (i32.const 2)) (i32.const 1)))
    (local.set $tagBytes (i32.mul (i32.shr_u (local.get $hash) (i32.const 25)) (i32.const 0x01010101)))
    (local.set $g (i32.and (i32.shr_u (local.get $hash) (global.get $shardBits)) (local.get $groupMask)))
    (local.set $step (i32.const 1))
    (loop $groups
      (local.set $word (i32.load offset=8 (i32.add (local.get $table) (i32.shl (local.get $g) (i32.const 2)))))
      (local.set $x (i32.xor (local.get $word) (local.get $tagBytes)))
      (local.set $m (i32.and (i32.and (i32.sub (local.get $x) (i32.const 0x01010101)) (i32.xor (local.get $x) (i32.const -1))) (i32.const 0x80808080)))
      (block $noMatch
        (loop $matches
          (br_if $noMatch (i32.eqz (local.get $m)))
          (local.set $candidate
            (i32.add (local.get $slots)
              (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 2)) (i32.shr_u (i32.ctz (local.get $m)) (i32.const 3)))
                       (i32.const 24))))
          (block $mismatch
            (br_if $mismatch (i32.ne (i32.load (local.get $candidate)) (local.get $hash)))
            (br_if $mismatch (i32.ne (i32.load offset=12 (local.get $candidate)) (local.get $n)))
            (local.set $y (i32.and (i32.load offset=4 (local.get $candidate)) (i32.const 0xff)))
            (local.set $wide (i32.eq (local.get $y) (i32.const 6)))
            (br_if $mismatch (i32.and (i32.eqz (local.get $wide)) (i32.ne (local.get $y) (i32.const 12))))
            (local.set $blob (i32.load offset=8 (local.get $candidate)))
            ;; a blob that is not plausibly inside the memory: JavaScript decides
            (if (i32.or (i32.le_s (local.get $blob) (i32.const 0))
                        (i32.or (i32.and (local.get $wide) (i32.and (local.get $blob) (i32.const 1)))
                                (i32.gt_u (local.get $blob) (i32.sub (local.get $end) (i32.shl (local.get $n) (local.get $wide))))))
              (then (local.set $at (i32.const -1)) (br $probe)))
            ;; @use comparePair k=0
            ;; @use comparePair k=1
            ;; @use comparePair k=2
            ;; @use comparePair k=3
            ;; @use comparePair k=4
            ;; @use comparePair k=5
            ;; @use comparePair k=6
            ;; @use comparePair k=7
            (local.set $at (local.get $candidate))
            (br $probe))
          (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
          (br $matches)))
      (if (i32.and (i32.and (local.get $word) (i32.xor (i32.shl (local.get $word) (i32.const 6)) (i32.const -1))) (i32.const 0x80808080))
        (then (local.set $at (i32.const 0)) (br $probe)))
      (local.set $g (i32.and (i32.add (local.get $g) (local.get $step)) (local.get $groupMask)))
      (local.set $step (i32.add (local.get $step) (i32.const 1)))
      (br_if $groups (i32.le_u (local.get $step) (i32.add (local.get $groupMask) (i32.const 1))))))
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
