;; The probe and the hashing of hot.wat, as fragments it splices in (scripts/assemble-wasm.mjs
;; includes this file where hot.wat says `;; @include probe.frag.wat`): the Swiss-table probe for
;; a number key (find) and for a short string key (findString), and hash.ts's hashes written out.
;; The offsets they use are hot.wat's restated layout constants, checked by wasm-hot.test.ts.

;; @define finalizeHash
    ;; $hash = hash.ts finalize($h) (Murmur3's fmix32), then the mask (H_HASH_MASK)
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
    (local.set $hash (i32.and (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (global.get $hashMask)))
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
