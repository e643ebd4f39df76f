/**
 * Lock recovery for pool threads. Aborting a running piscina task terminates its thread — possibly
 * while it holds a shard lock or is half-way through a write. Every pool thread records, at
 * startup, its `threadId` next to its shardmap `threadToken()` in a small shared table; once the
 * thread has EXITED, the pool looks up its token and calls `ShardedMap.recoverThread(handle,
 * token)` for every map (`ShardedCache.recoverThread` for a cache, which also frees the lanes of
 * loads the thread was running, so their waiters load): locks the thread held are taken over, its
 * in-flight write is rolled back, and the other threads carry on.
 *
 * Not before it has exited: piscina reports a thread destroyed ('workerDestroy') the moment it
 * asks the thread to stop, and `Worker.terminate()` takes effect only when that thread next checks
 * for interrupts — after a native call returns, say, which can be a second later. Recovering then
 * would free the owner ids and take over the locks of a thread still running a write: two writers
 * in one shard (a key stored twice), a lock naming a freed owner. So the pool waits for the
 * Worker's exit (ThreadWatch below) and recovers only then.
 *
 * Table layout (Int32Array over a SharedArrayBuffer): word 0 counts registrations; entry i sits
 * at words 1 + 2i (threadId) and 2 + 2i (token). Entries wrap around after TOKEN_ENTRIES
 * registrations: by then the threads they describe are long gone (the pool is fixed-size).
 */
import type { Worker } from 'node:worker_threads';
import { ShardedCache, ShardedMap, threadToken, type ShardedCacheHandle, type ShardedMapHandle } from '@shardmap/core';

export const TOKEN_ENTRIES = 256;

export function createTokenTable(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * TOKEN_ENTRIES)));
}

/** In a pool thread: publish this thread's token under its threadId. */
export function registerThreadToken(table: Int32Array, threadId: number): void {
  const entry = Atomics.add(table, 0, 1) % TOKEN_ENTRIES;
  Atomics.store(table, 2 + 2 * entry, threadToken()); // the token first: a reader matches the id last
  Atomics.store(table, 1 + 2 * entry, threadId);
}

export function tokenOf(table: Int32Array, threadId: number): number | undefined {
  for (let entry = TOKEN_ENTRIES - 1; entry >= 0; entry--) {
    if (Atomics.load(table, 1 + 2 * entry) === threadId) return Atomics.load(table, 2 + 2 * entry);
  }
  return undefined;
}

export interface ThreadRecovery {
  threadId: number;
  shardsRecovered: number;
  heapRecovered: boolean;
}

/** In the main thread, once a pool thread is gone: recover every map from whatever it held. */
export function recoverPoolThread(table: Int32Array, threadId: number, handles: readonly (ShardedMapHandle | ShardedCacheHandle)[]): ThreadRecovery {
  const recovery: ThreadRecovery = { threadId, shardsRecovered: 0, heapRecovered: false };
  const token = tokenOf(table, threadId);
  if (token === undefined) return recovery; // it died before attaching anything
  for (const handle of handles) {
    const report = handle.kind === 'shardmap-cache' ? ShardedCache.recoverThread(handle, token) : ShardedMap.recoverThread(handle, token);
    recovery.shardsRecovered += report.shardsRecovered;
    recovery.heapRecovered ||= report.heapRecovered;
  }
  return recovery;
}

/**
 * The pool's threads by Worker, so a thread is recovered once it has exited, under the threadId it
 * had alive. Node reports -1 as the threadId of a Worker that has exited (piscina's 'workerDestroy'
 * of a thread that crashed on its own carries that -1): its id is looked up here, recorded at
 * 'workerCreate' while it still ran.
 */
export class ThreadWatch {
  readonly #threads: () => readonly Worker[];
  readonly #recover: (threadId: number) => void;
  readonly #seen = new Map<Worker, number>();
  readonly #pending = new Set<Promise<void>>();

  /** `threads`: the pool's current Workers; `recover`: run for each thread once it has exited. */
  constructor(threads: () => readonly Worker[], recover: (threadId: number) => void) {
    this.#threads = threads;
    this.#recover = recover;
  }

  /** 'workerCreate': remember the running thread's id. */
  created(threadId: number): void {
    this.#find(threadId);
  }

  /** 'workerDestroy': recover the thread once it has exited (at once if it already has). */
  destroyed(threadId: number): void {
    const worker = threadId === -1 ? undefined : this.#find(threadId);
    // terminate() again is how Node tells when a Worker has exited: its promise settles on 'exit'
    // (at once if it already has), and asks nothing more of a thread already stopping.
    const exited = worker === undefined ? Promise.resolve() : worker.terminate().then(() => undefined, () => undefined);
    const recovered = exited.then(() => this.#recoverExited());
    this.#pending.add(recovered);
    void recovered.finally(() => this.#pending.delete(recovered));
  }

  /** Resolves when every recovery started so far has run. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #find(threadId: number): Worker | undefined {
    const worker = this.#threads().find((w) => w.threadId === threadId);
    if (worker !== undefined && !this.#seen.has(worker)) this.#seen.set(worker, threadId);
    return worker;
  }

  /** Recovers every remembered thread that has exited (its Worker's threadId reads -1 now). */
  #recoverExited(): void {
    for (const [worker, threadId] of this.#seen) {
      if (worker.threadId !== -1) continue;
      this.#seen.delete(worker);
      this.#recover(threadId);
    }
  }
}
