/**
 * Single-flight loads across threads (ShardedCache.fetch): of the callers that miss a key at the
 * same time, in any thread, one runs the loader; the others wait without blocking their event loop
 * (Atomics.waitAsync) and take its result.
 *
 * Lanes. Each shard's cache region has C_LANES lanes (layout.ts); a key's loads run in lane
 * (hash >>> shardBits) % C_LANES. A lane's L_STATE word is 0 (free) or the owner id of the cache
 * instance loading in it; one compareExchange 0 → id makes a caller the loader.
 *
 * Invariants:
 *  1. Only the lane's loader writes its other words (L_FLIGHT, L_HASH, L_DONE_*, L_ERROR_*), before
 *     its Atomics.store of L_STATE back to 0, which publishes them to whoever then loads L_STATE.
 *  2. A loader stores the value in the cache (or records the error) before it frees the lane and
 *     notifies, so a waiter woken by it finds the value with a plain lookup, or the failure of the
 *     flight it waited on (L_DONE_FLIGHT, for its key's hash).
 *  3. Nobody waits forever: waits are bounded (WAIT_MS) and re-check; a lane whose loader's
 *     owner was marked dead (ShardedCache.recoverThread) is taken over by one compareExchange.
 *     An instance knows the lanes it is loading in (host.loadingLanes, from its compareExchange
 *     to its store of 0), so a lane that names an instance of the waiter's own thread which is
 *     not loading there was overwritten: the waiter throws ERR_SHARDMAP_CORRUPT instead of
 *     waiting for a load that never ends. (A lane overwritten with the id of a live instance of
 *     another thread cannot be told from a slow load: its waiters wait as long as that instance
 *     lives.)
 *  4. A waiter takes a failure only from its own flight: the lane's error record carries the
 *     flight that wrote it (L_ERROR_FLIGHT) and is read under the shard's lock, so it counts only
 *     if it is that flight's. A later flight of another key may have taken the lane and recorded
 *     its own error meanwhile (a waiter that woke late once revived another key's error), and a
 *     flight whose store or peek threw fails without recording one, next to an older record.
 * Keys whose hashes share a lane load one after another (a slow loader delays them, never mixes
 * them): the waiter of another key finds no value when it wakes, and then loads its own.
 * Weak points: a value the policy does not admit, or that expires at once, is loaded again by a
 * waiter; a waiter that misses the failure of its flight because another key's flight finished in
 * the same lane meanwhile loads the key itself. Both cost a load, never a wrong answer.
 */
import { C_LANES, L_DONE_FLIGHT, L_DONE_RESULT, L_FLIGHT, L_HASH, L_STATE, cacheLaneWord } from '../layout.js';
import type { Views } from '../views.js';
import { killPoint } from '../kill-points.js';
import { corruptError } from '../errors.js';

/** A waiter re-checks its lane at least this often (dead loaders, missed wake-ups). */
const WAIT_MS = 50;
const RESULT_OK = 1;
const RESULT_FAILED = 2;

/** What the front provides: lookups, stores and error records, each under the shard's rules. */
export interface FlightHost<V> {
  readonly views: Views;
  readonly ownerId: number;
  ownerDead(owner: number): boolean;
  /** owners.ts localHold: 1 if `owner` is an instance of this thread holding the word at `index`, 0 if one not holding it, -1 for another thread's. */
  localHold(owner: number, index: number): number;
  /** The L_STATE words of the lanes this instance is loading in (invariant 3). */
  readonly loadingLanes: Set<number>;
  /** The key's live value, or `miss` (no policy or stats effect). */
  peek(): V | typeof MISSING;
  /** Stores the loaded value (ttl applied by the host). */
  store(value: V): void;
  /** Saves `text` as lane `lane`'s error record of `flight`, under the shard's lock (freeing the previous one). */
  recordError(region: number, lane: number, flight: number, text: string): void;
  /** Lane `lane`'s error record if `flight` recorded it, else undefined (under the shard's lock). */
  readError(region: number, lane: number, flight: number): string | undefined;
  countLoad(failed: boolean): void;
  countWait(): void;
}

export const MISSING: unique symbol = Symbol('shardmap.cache.missing');

export function laneOf(hash: number, shardBits: number): number {
  return (hash >>> shardBits) % C_LANES;
}

/** The loaded or awaited value of the key `host` stands for, loading it with `load` if no one is. */
export async function fetchOnce<V>(host: FlightHost<V>, region: number, lane: number, hash: number, load: () => V | Promise<V>): Promise<V> {
  const i32 = host.views.i32;
  const state = cacheLaneWord(region, lane, L_STATE);
  let waited = false;
  for (;;) {
    const holder = Atomics.load(i32, state);
    if (holder === 0) {
      if (Atomics.compareExchange(i32, state, 0, host.ownerId) === 0) return runLoad(host, region, lane, hash, load);
      continue;
    }
    if (host.ownerDead(holder)) {
      Atomics.compareExchange(i32, state, holder, 0); // invariant 3: the dead loader's lane is free again
      continue;
    }
    if (host.localHold(holder, state) === 0 && Atomics.load(i32, state) === holder) {
      throw corruptError('cache', `fetch lane ${lane} names owner ${holder} of this thread, which is not loading in it`);
    }
    const flight = i32[cacheLaneWord(region, lane, L_FLIGHT)]!;
    const sameKey = i32[cacheLaneWord(region, lane, L_HASH)]! === hash;
    if (!waited) host.countWait();
    waited = true;
    await waitForChange(i32, state, holder);
    killPoint('flight.wait.woken'); // a test pauses a waiter here: one that wakes late
    const found = host.peek();
    if (found !== MISSING) return found;
    if (sameKey && Atomics.load(i32, state) !== holder && i32[cacheLaneWord(region, lane, L_DONE_FLIGHT)] === flight && i32[cacheLaneWord(region, lane, L_DONE_RESULT)] === RESULT_FAILED) {
      const text = host.readError(region, lane, flight);
      if (text !== undefined) throw reviveError(text); // invariant 4: this flight's own record
      // Not recorded by this flight: it failed in its store or peek, or a later flight wrote the
      // record. The lane is free or another key's: go round and load (or wait) again.

    }
  }
}

/**
 * Until i32[index] is no longer `value`, or WAIT_MS passed. Node does not count a pending
 * Atomics.waitAsync as work that keeps a thread alive: the timer does.
 */
function waitForChange(i32: Int32Array, index: number, value: number): Promise<unknown> {
  const wait = Atomics.waitAsync(i32, index, value, WAIT_MS);
  if (!wait.async) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const keepAlive = new Promise<void>((resolve) => (timer = setTimeout(resolve, WAIT_MS + 1)));
  return Promise.race([wait.value, keepAlive]).finally(() => clearTimeout(timer));
}

async function runLoad<V>(host: FlightHost<V>, region: number, lane: number, hash: number, load: () => V | Promise<V>): Promise<V> {
  const i32 = host.views.i32;
  const state = cacheLaneWord(region, lane, L_STATE);
  host.loadingLanes.add(state);
  const flight = (i32[cacheLaneWord(region, lane, L_FLIGHT)]! + 1) | 0;
  i32[cacheLaneWord(region, lane, L_FLIGHT)] = flight;
  i32[cacheLaneWord(region, lane, L_HASH)] = hash;
  let result = RESULT_FAILED;
  try {
    {
      // Loaded since this caller missed (by the flight it waited on, or one that ended just
      // before it took the lane): no second load.
      const found = host.peek();
      if (found !== MISSING) {
        result = RESULT_OK;
        return found;
      }
    }
    let value: V;
    try {
      value = await load();
    } catch (error) {
      host.countLoad(true);
      host.recordError(region, lane, flight, describeError(error));
      killPoint('flight.fail.recorded'); // a test pauses here: the record is written, L_DONE_* not yet
      throw error;
    }
    host.countLoad(false);
    host.store(value);
    result = RESULT_OK;
    return value;
  } finally {
    i32[cacheLaneWord(region, lane, L_DONE_FLIGHT)] = flight;
    i32[cacheLaneWord(region, lane, L_DONE_RESULT)] = result;
    host.loadingLanes.delete(state);
    Atomics.store(i32, state, 0); // invariant 1: publishes the words above
    Atomics.notify(i32, state);
  }
}

/** An error as text another thread can revive: its name, message and code. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return JSON.stringify({ name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined });
  }
  return JSON.stringify({ name: 'Error', message: String(error), thrown: true });
}

function reviveError(text: string): Error {
  let parsed: { name?: string; message?: string; code?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = { message: text };
  }
  const error = parsed.name === 'TypeError' ? new TypeError(parsed.message) : parsed.name === 'RangeError' ? new RangeError(parsed.message) : new Error(parsed.message);
  if (parsed.name !== undefined && error.name !== parsed.name) Object.defineProperty(error, 'name', { value: parsed.name, configurable: true, writable: true });
  if (parsed.code !== undefined) (error as Error & { code?: string }).code = parsed.code;
  return error;
}


