/**
 * Owners: who may hold a lock. Every ShardedMap instance takes an owner id (1..OWNER_SLOTS) in
 * its buffer's registry and records there the token of its thread. Locks store the holder's owner
 * id (lock.ts, invariant 5). When a thread dies, whoever notices (a pool's exit handler) calls
 * ShardedMap.recoverThread(handle, token): the thread's owners are marked dead and their locks
 * taken over and repaired (shard.ts, invariant 6).
 *
 * Registry entry states: FREE -> CLAIMING (by one CAS) -> ALIVE -> DEAD (recoverThread) -> FREE,
 * or ALIVE -> FREE when the instance is disposed (releaseOwner) or garbage-collected (it can hold
 * no lock then). A buffer has OWNER_SLOTS entries: disposing frees one without waiting for a GC.
 */
import { H_CHECKSUM, H_NEXT_OWNER_ID, H_SEED, OWNER_ALIVE, OWNER_DEAD, OWNER_EPOCH, OWNER_FREE, OWNER_SLOTS, OWNER_STATE, OWNER_TOKEN, ownerWord } from './layout.js';
import { randomSeed } from './hash.js';
import { fullError } from './errors.js';
import type { Views } from './views.js';

const OWNER_CLAIMING = 3;

/** This thread's token: random, non-zero, the same for every map this thread uses. */
const THREAD_TOKEN = randomSeed() | 1;

/** The calling thread's token, as ShardedMap.recoverThread expects it. */
export function threadToken(): number {
  return THREAD_TOKEN;
}

/** What a map instance of this thread reports about the locks it holds. */
export interface LocalHolder {
  holdsLockWord(index: number): boolean;
}

/**
 * This thread's map instances, by buffer (its seed and checksum words) and owner id: how a waiter
 * recognises a lock held by its own thread (lock.ts, checkNotSelf). Weak: instances come and go.
 */
const localHolders = new Map<string, WeakRef<LocalHolder>>();

function localKey(views: Views, owner: number): string {
  return `${views.i32[H_SEED]}:${views.i32[H_CHECKSUM]}:${owner}`;
}

export function registerLocalHolder(views: Views, owner: number, holder: LocalHolder): void {
  localHolders.set(localKey(views, owner), new WeakRef(holder));
}

/** 1: `owner` is an instance of this thread holding the word at `index`; 0: one not holding it; -1: not ours. */
export function localHold(views: Views, shardCount: number, owner: number, index: number): number {
  if (owner < 1 || owner > OWNER_SLOTS) return -1;
  if (Atomics.load(views.i32, ownerWord(shardCount, owner, OWNER_TOKEN)) !== THREAD_TOKEN) return -1;
  const holder = localHolders.get(localKey(views, owner))?.deref();
  if (holder === undefined) return 0; // an instance of this thread since collected holds nothing
  return holder.holdsLockWord(index) ? 1 : 0;
}

interface OwnerRelease {
  i32: Int32Array;
  stateIndex: number;
}

const releaseOnCollect = new FinalizationRegistry<OwnerRelease & { key: string }>(({ i32, stateIndex, key }) => {
  Atomics.compareExchange(i32, stateIndex, OWNER_ALIVE, OWNER_FREE);
  if (localHolders.get(key)?.deref() === undefined) localHolders.delete(key);
});

/** Takes an owner id for `instance` in the buffer's registry. */
export function registerOwner(instance: object, views: Views, shardCount: number): number {
  const i32 = views.i32;
  // A fresh id first (no scan while the registry has never-used entries), claimed by the same CAS
  // as a scanned one: a scan that runs once the counter has passed OWNER_SLOTS may meet an entry
  // whose fresh id was handed out but not yet stored ALIVE.
  let id = Atomics.add(i32, H_NEXT_OWNER_ID, 1) + 1;
  if (id < 1 || id > OWNER_SLOTS || Atomics.compareExchange(i32, ownerWord(shardCount, id, OWNER_STATE), OWNER_FREE, OWNER_CLAIMING) !== OWNER_FREE) {
    id = 0;
    for (let candidate = 1; candidate <= OWNER_SLOTS && id === 0; candidate++) {
      const state = ownerWord(shardCount, candidate, OWNER_STATE);
      if (Atomics.compareExchange(i32, state, OWNER_FREE, OWNER_CLAIMING) === OWNER_FREE) id = candidate;
    }
    if (id === 0) throw fullError(0, 0, `more than ${OWNER_SLOTS} map instances are attached to this buffer`);
  }
  Atomics.store(i32, ownerWord(shardCount, id, OWNER_EPOCH), 0); // not pinned (syncmap/epoch.ts)
  // The token first, then ALIVE: recoverThread only acts on ALIVE entries.
  Atomics.store(i32, ownerWord(shardCount, id, OWNER_TOKEN), THREAD_TOKEN);
  Atomics.store(i32, ownerWord(shardCount, id, OWNER_STATE), OWNER_ALIVE);
  releaseOnCollect.register(instance, { i32, stateIndex: ownerWord(shardCount, id, OWNER_STATE), key: localKey(views, id) }, instance);
  return id;
}

/**
 * Frees `instance`'s entry now (its [Symbol.dispose]): the caller holds no lock and no pin under
 * `id` and never uses the id again. The GC's release is cancelled first, so that it cannot free the
 * entry once another instance has claimed it.
 */
export function releaseOwner(instance: object, views: Views, shardCount: number, id: number): void {
  releaseOnCollect.unregister(instance);
  const key = localKey(views, id);
  localHolders.delete(key);
  Atomics.store(views.i32, ownerWord(shardCount, id, OWNER_EPOCH), 0);
  Atomics.compareExchange(views.i32, ownerWord(shardCount, id, OWNER_STATE), OWNER_ALIVE, OWNER_FREE); // DEAD stays for recoverThread
}

/** The thread token recorded for owner `owner` (0 for an id out of range). */
export function ownerToken(views: Views, shardCount: number, owner: number): number {
  if (owner < 1 || owner > OWNER_SLOTS) return 0;
  return Atomics.load(views.i32, ownerWord(shardCount, owner, OWNER_TOKEN));
}

/** True if `owner` is a registered instance, alive or dead (its locks are real). */
export function ownerIsKnown(views: Views, shardCount: number, owner: number): boolean {
  if (owner < 1 || owner > OWNER_SLOTS) return false;
  const state = Atomics.load(views.i32, ownerWord(shardCount, owner, OWNER_STATE));
  return state === OWNER_ALIVE || state === OWNER_DEAD;
}

export function ownerIsDead(views: Views, shardCount: number, owner: number): boolean {
  if (owner < 1 || owner > OWNER_SLOTS) return false;
  return Atomics.load(views.i32, ownerWord(shardCount, owner, OWNER_STATE)) === OWNER_DEAD;
}

/**
 * recoverThread's first step: marks every live owner of thread `token` (but `self`) dead, and
 * unpins it (a dead thread reads nothing: syncmap/epoch.ts). Returns the ids marked.
 */
export function markThreadDead(views: Views, shardCount: number, token: number, self: number): number[] {
  const i32 = views.i32;
  const dead: number[] = [];
  for (let id = 1; id <= OWNER_SLOTS; id++) {
    if (i32[ownerWord(shardCount, id, OWNER_TOKEN)] !== token || id === self) continue;
    if (Atomics.compareExchange(i32, ownerWord(shardCount, id, OWNER_STATE), OWNER_ALIVE, OWNER_DEAD) === OWNER_ALIVE) dead.push(id);
    Atomics.store(i32, ownerWord(shardCount, id, OWNER_EPOCH), 0);
  }
  return dead;
}

/** recoverThread's last step, once their locks are repaired: the dead owners' ids are free again. */
export function freeOwners(views: Views, shardCount: number, ids: readonly number[]): void {
  for (const id of ids) Atomics.store(views.i32, ownerWord(shardCount, id, OWNER_STATE), OWNER_FREE);
}
