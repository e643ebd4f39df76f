/**
 * The single source of truth for every byte offset in a shardmap buffer.
 *
 * ```
 *  byte 0          HEADER_BYTES                         ownersStart                     arenaStart(shards)
 *  +---------------+------------------------------------+-------------------+-----------+------------------>
 *  | map header    | shard control blocks               | owner registry    | large     | heap: shard
 *  | 4 lines       | SHARD_BYTES each (4 cache lines):  | OWNER_SLOTS x     | free-list | tables, blobs,
 *  |               |  line 0: lock/seq word, owner,     | (thread token,    | heads,    | free blocks.
 *  |               |   count, table ref, stats,         |  state, pinned    | one per   | Bump-allocated
 *  |               |   syncmap: snapshot ref, live      |  epoch)           | large     | from H_HIGH_WATER;
 *  |               |  line 1: the shard's small-block   |                   | class     | the buffer grows
 *  |               |   allocator (carve region, lists)  |                   | (12 lines)| as the mark passes
 *  |               |  lines 2-3: the intent log that    |                   |           | its length, up to
 *  |               |   lets a dead writer be rolled back|                   |           | H_MAX_BYTES.
 *  +---------------+------------------------------------+-------------------+-----------+------------------>
 *
 *  A shard table is one heap block, published by ONE store of its offset (S_TABLE):
 *  +----------+----------------------------+-----------------------------------------------------+
 *  | header   | control bytes, 1 per slot  | slots, SLOT_BYTES each                              |
 *  | capacity | (capacity bytes; groups of | +--------+--------+----------------+----------------+ |
 *  | (8 B)    |  GROUP_WIDTH read as one   | | hash   | tags   | key payload    | value payload  | |
 *  |          |  Int32 word)               | | i32    | k | v  | f64 or off,len | f64 or off,len | |
 *  +----------+----------------------------+-----------------------------------------------------+
 *
 *  syncmap mode (syncmap/) keeps two such tables per shard, the read snapshot (S_SNAPSHOT) and
 *  the dirty table (S_TABLE), whose slots' value payload is the offset of a CELL shared by both:
 *    cell (8 B):   [ state | pad ]           state = NIL | EXPUNGED | inline value | record offset
 *    record (16 B): [ value tag | pad | value payload (f64 or blob off,len) ]   immutable
 * ```
 *
 * Word indexes (`H_*`, `S_*`, `SLOT_*`) are Int32Array indexes relative to the start of their
 * region; helpers below turn them into absolute indexes. Nothing outside this module does offset
 * arithmetic on the buffer.
 */

/** Bytes of one cache line: shard control blocks never share one (false sharing would make
 *  every writer of one shard slow down readers of its neighbours). */
export const CACHE_LINE_BYTES = 64;

/** "SHMP" little-endian: the first word of every shardmap buffer. */
export const MAGIC = 0x504d4853;
/** Bumped whenever anything in this file changes meaning; `attach` refuses other versions. */
export const LAYOUT_VERSION = 7;

// --- map header (Int32 word indexes from byte 0) -------------------------------------------
// Words 0..H_CHECKSUM are written once by `create` before the buffer is shared, then only read
// (plainly: they are immutable, and publication to other threads happens-before through the
// postMessage that carries the handle). H_CHECKSUM covers them so `attach` detects overwrites.
export const H_MAGIC = 0;
export const H_LAYOUT_VERSION = 1;
export const H_SHARD_COUNT = 2;
export const H_KEY_CODEC = 3;
export const H_VALUE_CODEC = 4;
export const H_MODE = 5;
export const H_SEED = 6;
/** Test-only: every hash is ANDed with this (-1 in production). */
export const H_HASH_MASK = 7;
export const H_MAX_BYTES = 8;
export const H_CHECKSUM = 9;
/** Number of immutable words the checksum covers. */
export const HEADER_IMMUTABLE_WORDS = H_CHECKSUM;

// Mutable header words. All are read and written with Atomics except where noted.
/** Bytes handed out by the heap's bump allocator (absolute offset of the first unused byte).
 *  Written only under the heap lock; read with Atomics.load by stats(). */
export const H_HIGH_WATER = 10;
/** The byte length every thread may index. Stored (Atomics.store) after `grow()` returns;
 *  a thread that meets an offset beyond its views loads it and rebuilds its views. */
export const H_PUBLISHED_LENGTH = 11;
/** The heap lock (lock.ts, lockPlain: 0 free, else its owner << 3 | flags) guarding H_HIGH_WATER,
 *  buffer growth and the large-block free lists. Taken while holding a shard lock, never the
 *  other way round. */
export const H_HEAP_LOCK = 12;
/** Source of owner ids: each attached ShardedMap instance takes one with Atomics.add. */
export const H_NEXT_OWNER_ID = 14;
// Words 16..47 are unused (layout 5 kept power-of-two large free lists here; they are now a
// region of their own after the owner registry, largeListWord).
/** syncmap mode: the reclamation epoch (syncmap/epoch.ts), alone on the header's last line. Starts at 1;
 *  advanced with compareExchange by a reclaiming writer, read with Atomics.load when pinning. */
export const H_SYNC_EPOCH = 48;
export const HEADER_BYTES = 4 * CACHE_LINE_BYTES;

// --- shard control block (Int32 word indexes from the block's start) ------------------------
export const SHARD_BYTES = 4 * CACHE_LINE_BYTES;
export const SHARD_WORDS = SHARD_BYTES >> 2;
/** Line 0. The lock and sequence word (lock.ts): unlocked, the sequence << 3, advanced by every
 *  unlock; locked, the holder's owner id << 3 | LOCKED | WAITERS?; held with the table untouched,
 *  the acquired sequence | HELD | WAITERS? (lock.ts invariant 6). Only ever accessed with Atomics. */
export const S_LOCK = 0;
/** The unlocked word the current (or last) hold was acquired over. Plain write by the holder
 *  right after acquiring; read only by recovery, to release past every sequence readers saw. */
export const S_LAST_SEQUENCE = 1;
/** Live entries. Plain writes under the lock; Atomics.load from size/stats. */
export const S_COUNT = 2;
/** Tombstoned (DELETED) control bytes in the table. Under the lock. */
export const S_TOMBSTONES = 3;
/** Byte offset of the shard's table (its capacity is in the table's header, so this one store
 *  publishes both). Written under the lock; read plainly by optimistic readers, who validate it
 *  with the sequence before trusting what they found. */
export const S_TABLE = 4;
/** The owner id of a HELD lock (lock.ts invariant 6). Plain write by the holder before its word
 *  becomes HELD; read by waiters (takeover, corruption checks) and stats() only while it is HELD. */
export const S_HOLDER = 5;
/** Stats written under the lock with plain stores: no extra line is written per operation. */
export const S_LOCK_ACQUISITIONS = 6;
export const S_LOCK_CONTENDED = 7;
export const S_LOCK_WAITS = 8;
/** Failed optimistic reads: Atomics.add by readers, only on the (rare) retry path. */
export const S_OPTIMISTIC_RETRIES = 9;
/** syncmap mode (syncmap/): lookups that missed the read snapshot (Atomics.add, by lock holders
 *  and by lock-free lookups of dirty), and promotions (under the lock). */
export const S_MISSES = 10;
export const S_PROMOTIONS = 11;
/** syncmap mode: the read snapshot, table offset | AMENDED. Written (Atomics.store) under the lock;
 *  read with Atomics.load by anyone, and cached per thread while it is pinned. 0 = empty. */
export const S_SNAPSHOT = 12;
/** Low bit of S_SNAPSHOT (tables are 8-aligned): dirty holds keys the snapshot lacks (Go's amended). */
export const AMENDED_BIT = 1;
/** syncmap mode: live entries, changed on every absent<->present transition of a cell, always
 *  under the lock (syncmap/engine.ts invariant 8); read with Atomics.load by size(). */
export const S_LIVE = 13;
/** syncmap mode: the retire list block [capacity, count, reclaimAt, pad, (block, bytes, epoch) x count]; under the lock. */
export const S_RETIRED = 14;
/** syncmap mode: dirty slots whose key the snapshot lacks (Go's amended, counted). Under the lock. */
export const S_DIRTY_ONLY = 15;
/** Line 1: the shard's small-block allocator, all under the shard lock. */
export const S_CARVE_CURSOR = 16;
export const S_CARVE_END = 17;
/** Bytes of chunks this shard has taken from the heap (sizes its next chunk). */
export const S_CHUNK_BYTES = 18;
/** Free-list heads for small size classes MIN_CLASS..MAX_SMALL_CLASS. */
export const S_SMALL_FREE = 19;
export const MIN_CLASS = 3; // 8-byte blocks: the smallest block that holds a free-list link
export const MAX_SMALL_CLASS = 14; // 16 KiB: larger blocks come from the heap's shared lists
// S_SMALL_FREE + (MAX_SMALL_CLASS - MIN_CLASS) = 30 < 32: fits in line 1.

/**
 * Lines 2-3: the intent log (shard.ts, "crash consistency"). Written under the lock, plainly, by
 * every multi-word mutation before it touches published state; read only by recovery, which holds
 * the lock it took over from a dead owner. S_LOG_STATE 1 = a mutation is in flight: roll it back.
 */
export const S_LOG_STATE = 32;
/** Byte offset of the slot whose words were saved (0: none), and the saved words. */
export const S_LOG_SLOT = 33;
export const S_LOG_SLOT_WORDS = 34; // 6 words: 34..39
/** Byte offset of the control byte whose old value is saved (0: none), and that value. */
export const S_LOG_CTRL_AT = 40;
export const S_LOG_CTRL_WAS = 41;
/** The table offset before a table was replaced (0: not replaced). */
export const S_LOG_TABLE_WAS = 42;
/** Blocks the mutation allocated, freed on rollback: LOG_ALLOCS pairs of (offset, bytes). */
export const S_LOG_ALLOCS = 43; // 43..54
/** A syncmap insert allocates a cell, a record, its blob and a key blob, and may grow the table. */
export const LOG_ALLOCS = 6;
export const S_LOG_END = S_LOG_ALLOCS + 2 * LOG_ALLOCS; // 55
/**
 * An engine operation that recovery rolls FORWARD (syncmap: promotion, clear, reclamation):
 * its kind (0: none), LOG_OP_ARGS arguments saved before it starts, and its progress (the step
 * about to run; intent-log.ts, log 5). Independent of S_LOG_STATE: such an operation may contain
 * logged mutations of its own.
 */
export const S_LOG_OP = 55;
export const S_LOG_OP_ARGS = 56; // 56..59
export const LOG_OP_ARGS = 4;
export const S_LOG_OP_PROGRESS = 60;
/** Cache mode (cache/): byte offset of the shard's cache region (below). Written once by create. */
export const S_CACHE_REGION = 61;

// --- owner registry (Int32 word indexes from ownersStart) ---------------------------------------
/** Map instances that can be tracked at once (ids are reused once their instance is collected or
 *  recovered). Each entry: the thread token of the instance's thread, and its state. */
export const OWNER_SLOTS = 1024;
export const OWNER_WORDS = 3;
export const OWNER_TOKEN = 0;
export const OWNER_STATE = 1;
/** syncmap mode: the epoch this instance pinned (0: not pinned), syncmap/epoch.ts. */
export const OWNER_EPOCH = 2;
export const OWNER_FREE = 0;
export const OWNER_ALIVE = 1;
export const OWNER_DEAD = 2;

/** Int32 index of field `field` of owner `id` (1-based; 0 means "no owner"). */
export const ownerWord = (shardCount: number, id: number, field: number): number => ((HEADER_BYTES + shardCount * SHARD_BYTES) >> 2) + (id - 1) * OWNER_WORDS + field;

/** Int32 index of word `word` of shard `shard`'s control block. */
export const shardWord = (shard: number, word: number): number => ((HEADER_BYTES + shard * SHARD_BYTES) >> 2) + word;

// --- the heap's large free lists (Int32 word indexes from the end of the owner registry) -------
/**
 * Large blocks (tables, cache regions, carve chunks, blobs over 16 KiB) come in LARGE_STEPS
 * classes per power of two: 2^k + m * 2^(k-3) bytes, m = 1..8, from MIN_LARGE_BYTES up. A block
 * wastes less than 1/9 of its bytes, where power-of-two classes wasted up to half: a table of
 * capacity c needs 25c + 8 bytes and gets 26c, not 32c. One free-list head per class, under the
 * heap lock.
 */
export const LARGE_STEPS = 8;
export const MIN_LARGE_BYTES = 512;
const MIN_LARGE_LOG = 9;
/** Classes 0 (MIN_LARGE_BYTES) .. 8 steps for each power of two up to 2^31. */
export const LARGE_CLASS_COUNT = 1 + (31 - MIN_LARGE_LOG) * LARGE_STEPS;
const LARGE_LISTS_BYTES = Math.ceil((LARGE_CLASS_COUNT * 4) / CACHE_LINE_BYTES) * CACHE_LINE_BYTES;

/** Int32 index of the free-list head of large class `cls`. */
export const largeListWord = (shardCount: number, cls: number): number => ((HEADER_BYTES + shardCount * SHARD_BYTES + OWNER_SLOTS * OWNER_WORDS * 4) >> 2) + cls;

/** The large class whose blocks hold `bytes`. */
export const largeClassOf = (bytes: number): number => {
  if (bytes <= MIN_LARGE_BYTES) return 0;
  const log = 31 - Math.clz32(bytes - 1); // 2^log < bytes <= 2^(log + 1)
  const step = 2 ** (log - 3);
  return (log - MIN_LARGE_LOG) * LARGE_STEPS + Math.ceil((bytes - 2 ** log) / step);
};

/** Bytes of a block of large class `cls`. */
export const largeClassBytes = (cls: number): number => {
  if (cls === 0) return MIN_LARGE_BYTES;
  const log = MIN_LARGE_LOG + Math.floor((cls - 1) / LARGE_STEPS);
  return 2 ** log + (((cls - 1) % LARGE_STEPS) + 1) * 2 ** (log - 3);
};

/** First heap byte: after the header, the shard control blocks, the owner registry and the large lists. */
export const arenaStart = (shardCount: number): number => HEADER_BYTES + shardCount * SHARD_BYTES + OWNER_SLOTS * OWNER_WORDS * 4 + LARGE_LISTS_BYTES;

// --- tables ------------------------------------------------------------------------------------
/** Control bytes matched at once: one Int32 word (control.ts). */
export const GROUP_WIDTH = 4;
/** Smallest table: two groups, so the probe sequence has somewhere to go. */
export const MIN_CAPACITY = 8;
/** Slot words: hash, tags, key payload (2 words), value payload (2 words). */
export const SLOT_BYTES = 24;
export const SLOT_HASH = 0;
/** Low byte: key tag; next byte: value tag (codecs.ts). */
export const SLOT_TAGS = 1;
/** An inline f64 (Float64 index = byte >> 3), or a blob offset and length in words 2/3. */
export const SLOT_KEY = 2;
export const SLOT_VALUE = 4;
/** Words of a blob payload, relative to its field (SLOT_KEY, SLOT_VALUE, RECORD_PAYLOAD). */
export const PAYLOAD_BLOB = 0;
export const PAYLOAD_LENGTH = 1;
/** syncmap mode: the value payload's first word holds the entry's cell offset. */
export const SLOT_CELL = SLOT_VALUE;

// --- syncmap cells and value records (syncmap/cells.ts) -----------------------------------------
export const CELL_BYTES = 8;
export const CELL_STATE = 0;
export const RECORD_BYTES = 16;
export const RECORD_TAG = 0;
/** Word index of the record's payload (an f64 at byte 8, or a blob offset and length). */
export const RECORD_PAYLOAD = 2;
/** The retire list's header words and entry size. */
export const RETIRED_CAPACITY = 0;
export const RETIRED_COUNT = 1;
/** The count at which the next reclamation pass runs. */
export const RETIRED_RECLAIM_AT = 2;
export const RETIRED_HEADER_WORDS = 4;
export const RETIRED_ENTRY_WORDS = 3;
/** Words of a retire list entry, relative to retiredEntry(). */
export const RETIRED_BLOCK = 0;
export const RETIRED_BYTES = 1;
export const RETIRED_EPOCH = 2;

// --- cache mode (cache/engine.ts) ---------------------------------------------------------------
/** Header mode of a ShardedCache buffer (0 striped, 1 syncmap are ShardedMap's). */
export const MODE_CACHE = 2;
/** A cache slot's tags word holds its policy node above the two tags: node << SLOT_NODE_SHIFT. */
export const SLOT_NODE_SHIFT = 16;
/** Nodes a shard's policy may have (16 bits of the tags word): a cache has enough shards for it. */
export const MAX_CACHE_NODES = 1 << 16;
/**
 * A cache shard's region (one heap block, S_CACHE_REGION), N = maximum + 1 policy nodes:
 *
 *   ┌ header (16 words) ┬ stats (8 f64) ┬ lanes (32 × 8 words) ┬ free[N] (free nodes) ┬ expiry[N] (f64 ms) ┬ policy ┐
 *
 *   header: C_MAXIMUM (the shard's entry bound), C_FREE_TOP (nodes on the free stack), C_SWEEP
 *   (the next node the expiry sweep looks at), C_BYTES (bytes of entries' blobs, for maxBytes),
 *   C_BYTES_BUDGET. Every word and f64 is written under the shard's lock with plain stores; expiry
 *   and node bits are read by optimistic readers inside their seqlock window, like slot words.
 *   The policy region (cache/policy.ts) starts at cachePolicyBase and is that module's own.
 */
export const C_MAXIMUM = 0;
export const C_FREE_TOP = 1;
export const C_SWEEP = 2;
export const C_BYTES = 3;
export const C_BYTES_BUDGET = 4;
/** Shard 0's region only: the cache's default ttl in ms (0: none), written once by create. */
export const C_DEFAULT_TTL = 5;
export const C_HEADER_WORDS = 16;
/** Stats f64s (index from cacheStatF64): hits, misses, evictions, expirations, loads, loadFailures, loadWaits. */
export const C_STATS = 8;
const C_STATS_WORDS = 2 * C_STATS;
/** Single-flight lanes per shard (cache/flight.ts): a key's loads run in lane (hash >>> shardBits) % C_LANES. */
export const C_LANES = 32;
export const C_LANE_WORDS = 8;
/** Lane words: the loader's owner id (0: free; Atomics), flights begun, the key hash of the last
 *  flight, the last finished flight and its result (1 ok, 2 failed), and the last recorded error:
 *  its blob, its length and the flight that recorded it (a flight that failed without recording
 *  one, its store or peek having thrown, leaves an older flight's record there). */
export const L_STATE = 0;
export const L_FLIGHT = 1;
export const L_HASH = 2;
export const L_DONE_FLIGHT = 3;
export const L_DONE_RESULT = 4;
export const L_ERROR_BLOB = 5;
export const L_ERROR_LENGTH = 6;
export const L_ERROR_FLIGHT = 7;
const C_LANES_START = C_HEADER_WORDS + C_STATS_WORDS;
const C_FIXED_WORDS = C_LANES_START + C_LANES * C_LANE_WORDS;

/** Int32 index of word `field` (L_*) of lane `lane` of the cache region at `region`. */
export function cacheLaneWord(region: number, lane: number, field: number): number {
  return (region >> 2) + C_LANES_START + lane * C_LANE_WORDS + field;
}

/** Int32 index of header word `field` (C_*) of the cache region at byte `region`. */
export function cacheWord(region: number, field: number): number {
  return (region >> 2) + field;
}

/** Float64 index of stat `i` of the cache region at byte `region`. */
export function cacheStatF64(region: number, i: number): number {
  return ((region + 4 * C_HEADER_WORDS) >> 3) + i;
}

/** Int32 index of free-stack entry `i` of the cache region at `region`. */
export function cacheFreeWord(region: number, i: number): number {
  return (region >> 2) + C_FIXED_WORDS + i;
}

function cacheExpiryByte(region: number, nodes: number): number {
  const freeEnd = region + 4 * (C_FIXED_WORDS + nodes);
  return (freeEnd + 7) & ~7;
}

/** Float64 index of node `node`'s expiry (ms since the epoch; 0 = never) in a region of `nodes` nodes. */
export function cacheExpiryF64(region: number, nodes: number, node: number): number {
  return (cacheExpiryByte(region, nodes) >> 3) + node;
}

/** Int32 index where the region's policy (cache/policy.ts) starts. */
export function cachePolicyBase(region: number, nodes: number): number {
  return (cacheExpiryByte(region, nodes) + 8 * nodes) >> 2;
}

/** Bytes of a cache region of `nodes` nodes whose policy takes `policyInt32s` words. */
export function cacheRegionBytes(nodes: number, policyInt32s: number): number {
  return cachePolicyBase(0, nodes) * 4 + policyInt32s * 4;
}

/** The table header: word 0 holds the capacity (a power of two), word 1 is padding (alignment). */
export const TABLE_HEADER_BYTES = 8;
export const TBL_CAPACITY = 0;

// --- accessors: the index arithmetic every other module uses --------------------------------
// Views index the buffer as Int32 words (byte >> 2) and Float64s (byte >> 3). Each accessor below
// names what it indexes; other modules pass byte offsets and field constants, never shift them.
// Accessors (and the hot helpers of table.ts, control.ts, hash.ts, slots.ts, codecs.ts) are const
// bindings, not function declarations: a declaration's binding is mutable, so optimized code that
// inlines a call to it first loads the binding and checks it still is that function (~3
// instructions a call, a dozen calls on a lookup); a const binding is folded.

/** Slot words: SLOT_BYTES / 4. */
export const SLOT_WORDS = SLOT_BYTES >> 2;

/** Int32 index of word `field` of the slot (or value record: same payload shape) at byte `at`. */
export const slotWord = (at: number, field: number): number => (at >> 2) + field;

/** Float64 index of the f64 payload at word `field` (SLOT_KEY, SLOT_VALUE, RECORD_PAYLOAD) of `at`. */
export const slotF64 = (at: number, field: number): number => (at >> 3) + (field >> 1);

/** Int32 index of word `field` (TBL_*) of the table header at byte `table`. */
export const tableWord = (table: number, field: number): number => (table >> 2) + field;

/** Int32 index of control group `group` (GROUP_WIDTH bytes read as one word) of the table at `table`. */
export const ctrlGroupWord = (table: number, group: number): number => ((table + TABLE_HEADER_BYTES) >> 2) + group;

/** Int32 index of the state word of the syncmap cell at byte `cell`. */
export const cellWord = (cell: number): number => (cell >> 2) + CELL_STATE;

/** Byte offset of the cell whose state word has Int32 index `word` (cellWord's inverse). */
export const cellAt = (word: number): number => (word - CELL_STATE) << 2;

/** Int32 index of word `field` of the syncmap value record at byte `record`. */
export const recordWord = (record: number, field: number): number => (record >> 2) + field;

/** Int32 index of header word `field` (RETIRED_*) of the retire list at byte `list`. */
export const retiredWord = (list: number, field: number): number => (list >> 2) + field;

/** Int32 index of the first word of entry `i` (block, bytes, epoch) of the retire list at `list`. */
export const retiredEntry = (list: number, i: number): number => (list >> 2) + RETIRED_HEADER_WORDS + i * RETIRED_ENTRY_WORDS;

/** Int32 index of word `field` (0: offset, 1: bytes) of intent-log allocation `i` of shard `s`. */
export const logAllocWord = (s: number, i: number, field: number): number => shardWord(s, S_LOG_ALLOCS) + 2 * i + field;

/** Bytes of a retire list holding `capacity` entries. */
export const retiredListBytes = (capacity: number): number => 4 * (RETIRED_HEADER_WORDS + capacity * RETIRED_ENTRY_WORDS);

/** Int32 index of the free-list link (next block's offset) kept in a free heap block's first word. */
export const linkWord = (block: number): number => block >> 2;

/** Bytes of a table block with `capacity` slots. */
export const tableBytes = (capacity: number): number => TABLE_HEADER_BYTES + capacity + capacity * SLOT_BYTES;

/** Byte offset of the first control byte of the table at `table`. */
export const ctrlStart = (table: number): number => table + TABLE_HEADER_BYTES;

/** Byte offset of slot `slot` in the table at `table`. */
export const slotOffset = (table: number, capacity: number, slot: number): number => table + TABLE_HEADER_BYTES + capacity + slot * SLOT_BYTES;

/** The slot index whose slotOffset is `at`. */
export const slotIndex = (table: number, capacity: number, at: number): number => (at - table - TABLE_HEADER_BYTES - capacity) / SLOT_BYTES;

/** Loads above 7/8 make probe sequences long; Swiss tables grow there. */
export const maxLoad = (capacity: number): number => capacity - (capacity >> 3);

/** Bytes of a block of size class `cls`. */
export const classBytes = (cls: number): number => {
  return cls < 31 ? 1 << cls : 2 ** cls; // a shift: \`**\` is a float pow on the heap's hot paths
};

/** Size class holding `bytes` (at least MIN_CLASS). */
export const sizeClassOf = (bytes: number): number => bytes <= 8 ? MIN_CLASS : 32 - Math.clz32(bytes - 1);

/** Bytes the block `Heap.alloc(shard, bytes)` hands out occupies: a small class, or a large one. */
export const blockBytes = (bytes: number): number => {
  const cls = sizeClassOf(bytes);
  return cls <= MAX_SMALL_CLASS ? classBytes(cls) : largeClassBytes(largeClassOf(bytes));
};

/** Bytes the block `Heap.allocTable(bytes)` hands out occupies (tables and cache regions). */
export function tableBlockBytes(bytes: number): number {
  return largeClassBytes(largeClassOf(bytes));
}

/** Everything is 8-byte aligned so inline f64 payloads can be read through a Float64Array. */
export const ALIGN = 8;
/** The buffer grows in steps of at least this (fewer `grow()` calls; each maps new pages). */
export const GROW_STEP_BYTES = 64 * 1024;
/** Ceiling of `maxBytes`: offsets are int32 and must stay positive. */
export const MAX_BYTES_LIMIT = 2 ** 31 - GROW_STEP_BYTES;
export const DEFAULT_MAX_BYTES = 2 ** 30;
