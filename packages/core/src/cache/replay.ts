/**
 * The replay of a cache instance's buffered hits into a shard's policy (engine.ts invariant 4):
 * how many an instance buffers, and which of them the policy sees. The caller holds the lock.
 */
import { type EvictionPolicy, FREE, PROBATION } from './policy.js';

/**
 * Hits an instance buffers per shard before it replays them (invariant 4). A replay costs a lock
 * and an unlock (~1,100 instructions with the loop around it): at 16 that was 72 a hit, at 64 it
 * is 18. Alone, a thread's replays run in the same order before the same inserts (every write
 * drains first), so the size changes no eviction; with threads it only delays hints.
 */
export const HIT_BUFFER = 64;

/**
 * A replay into a shard that another instance replayed into since this one's last replay is
 * sampled (replaySampleLocked): one in this many hits outside probation. Each replayed hit writes
 * ~12 cache lines of the policy (4 sketch words, the links of the node, its neighbours and the
 * list's end, seg, hash); when two threads replay into one shard every one of those lines moves
 * between their cores, and replaying every hit made a 2-thread hit cost 2.1-2.8x a ShardedMap get,
 * where skipping the replays cost 1.4-1.6x (sampled: 1.5-1.7x, docs/benchmarks.md). Alone, an
 * instance replays every hit, so its evictions are the model's (policy.test.ts). Shared, two
 * instances strictly alternating over the six traces (the bench's replay model, 8 shards) close
 * 44.8% of the LRU->OPT gap, where replaying every hit closes 45.9%, one hit in 64 44.4%, and
 * sampling probation's hits too costs 4 points more (docs/cache-policy.md).
 */
export const SHARED_REPLAY_STRIDE = 16;

/**
 * Replays a sample of the `n` hits buffered at hitNodes[from..] into `policy`, for an instance
 * that another instance replayed after (policy.switchReplayer; alone, the caller replays every
 * hit): every hit in probation, whose promotion is the policy's evidence that an entry is reused,
 * and one in SHARED_REPLAY_STRIDE of the rest, whose recency moves and sketch increments are what
 * the threads' cores fight over. Nodes ≥ `nodes` (scribbled) are skipped. The hits left out still
 * count in the climber's rate. Locked.
 */
export function replaySampleLocked(policy: EvictionPolicy, hitNodes: Int32Array, from: number, n: number, nodes: number): void {
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    const node = hitNodes[from + i]!;
    if (node >= nodes) continue;
    const seg = policy.segmentOf(node);
    if (seg === FREE) continue;
    if (seg === PROBATION || (i & (SHARED_REPLAY_STRIDE - 1)) === SHARED_REPLAY_STRIDE - 1) policy.onAccess(node);
    else skipped++;
  }
  policy.countUnreplayedHits(skipped);
}
