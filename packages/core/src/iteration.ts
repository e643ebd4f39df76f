/**
 * Iteration over a map, shard by shard, from a random first shard (as Go randomises map iteration
 * order): callers that delete "the first key visited" would otherwise drain shard 0, then 1, ...
 * and skew the map, and concurrent iterators would all queue on shard 0's lock first. Each shard
 * is copied by the engine (no lock is held while the consumer or callback runs), so iteration is
 * weakly consistent, not a snapshot; `check(method)` throws if a call is not allowed now (inside
 * an update() callback of the map), before every shard.
 */
import type { Engine } from './engine.js';

/** The entries of every shard, one shard's copy at a time (for iterators that may resume later). */
export function* walkShards(engine: Engine, shardCount: number, check: (method: string) => void): Generator<[unknown, unknown], void, undefined> {
  const first = Math.floor(Math.random() * shardCount);
  for (let i = 0; i < shardCount; i++) {
    check('iterator');
    const out: [unknown, unknown][] = [];
    engine.copyShard((first + i) & (shardCount - 1), out);
    yield* out; // no lock is held while the consumer runs
  }
}

/** Calls fn for each entry until it returns false: as walkShards, without a generator resumption per entry. */
export function rangeShards(engine: Engine, shardCount: number, fn: (key: unknown, value: unknown) => boolean | void, check: (method: string) => void, method: string): void {
  check(method);
  const first = Math.floor(Math.random() * shardCount);
  for (let i = 0; i < shardCount; i++) {
    check(method);
    if (!engine.rangeShard((first + i) & (shardCount - 1), fn)) return;
  }
}
