/**
 * `createMapPool`: a fixed-size piscina 5 pool whose every thread has the given ShardedMaps
 * attached once, at thread startup.
 *
 * How the maps get there: each map's `handle` (a plain object holding its shared WebAssembly.Memory) goes
 * into piscina's `workerData`, which is structured-cloned into each thread as it starts — the
 * memory is shared, not copied. The built entry `pool/entry.js` attaches every handle when the
 * thread loads it (through `pool/entry-cjs.cjs`, piscina's filename), then routes each task to
 * the user's module as `handler(task, maps)`. Handles are never put in a transferList:
 * transferring shared memory is refused (DataCloneError).
 *
 * Why fixed by default (`minThreads = maxThreads`, `idleTimeout: Infinity`): attaching is per
 * thread, and a reaped-and-respawned thread attaches again. Every other piscina option passes
 * through (`maxQueue`, `resourceLimits`, `concurrentTasksPerWorker`, and `minThreads`,
 * `maxThreads`, `idleTimeout` for a pool that grows and shrinks); each new thread attaches once.
 */
import { ThreadWatch, createTokenTable, recoverPoolThread, type ThreadRecovery } from './recovery.js';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { invalidOption, poolClosed } from '../errors.js';
import { decodeError } from '../remote-error.js';
import { ASYNC_DISPOSE } from '../dispose.js';
import type { MapRecord } from '../worker.js';
import { POOL_WORKER_DATA, type PoolWorkerData, type TaskEnvelope } from './protocol.js';

/** piscina's own constructor options (piscina 5 does not export their type by name). */
export type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;

/**
 * The piscina options a map pool passes through unchanged. Left out: `filename` and `workerData`,
 * which the pool sets itself (its entry module, and the maps), and `name` and `execArgv`, which
 * {@link MapPoolOptions} has with the same meaning for the task module.
 */
export type MapPoolPiscinaOptions = Omit<PiscinaOptions, 'filename' | 'name' | 'workerData' | 'execArgv'>;

/**
 * Options of {@link createMapPool}: the pool's own, plus every piscina option it passes through
 * (`maxQueue`, `resourceLimits`, `concurrentTasksPerWorker`, `idleTimeout`, `minThreads`,
 * `maxThreads`, `env`, `niceIncrement`, `recordTiming`, …: see piscina's documentation).
 */
export interface MapPoolOptions<M extends MapRecord> extends MapPoolPiscinaOptions {
  /** The maps every thread attaches, by name; tasks get them under the same names. */
  readonly maps: M;
  /**
   * Number of threads, fixed for the pool's life: `minThreads` and `maxThreads` both default to
   * it, and `idleTimeout` to `Infinity`. Default: `maxThreads` if given, else
   * `os.availableParallelism()`.
   */
  readonly threads?: number;
  /**
   * Default task module (path or `file:` URL, plain JS — worker threads do not run TypeScript).
   * Its export `name` is called as `handler(task, maps)`; it may also call `mapsInWorker()`
   * from `@shardmap/workers/worker`. Optional if every `run()` names a module.
   */
  readonly filename?: string | URL;
  /** Export called in the task module. Default `"default"`. */
  readonly name?: string;
  /** Extra Node flags for the threads (default: inherit `process.execArgv`). */
  readonly execArgv?: readonly string[];
  /**
   * Called when a thread fails outside any task (piscina replaces it). Default: a process
   * warning. Errors inside a task reject that task's `run()` instead.
   */
  readonly onThreadError?: (error: Error) => void;
}

/** Options of {@link MapPool.run}. */
export interface MapPoolRunOptions {
  /** Task module for this task only (path or `file:` URL). */
  readonly filename?: string | URL;
  /** Export to call for this task only. */
  readonly name?: string;
  /**
   * Cancels the task. A task still queued is just dropped; a task already RUNNING is stopped by
   * terminating its whole thread (piscina's behaviour). A thread terminated while it holds a
   * shard lock leaves that lock held and every later user of that shard blocked: until lock
   * recovery exists, never abort a task that writes a map (reads may lock briefly too; only a
   * task that does not touch a map is always safe to abort).
   */
  readonly signal?: AbortSignal;
}

/** Where a pool's queue and threads stand: piscina's own counters, read when asked. */
export interface MapPoolStats {
  /** Threads running now (between `minThreads` and `maxThreads`). */
  readonly threads: number;
  /** Of those, how many run no task. */
  readonly idleThreads: number;
  /** Tasks submitted and not yet given to a thread. */
  readonly queueSize: number;
  /** `maxQueue` as piscina resolved it (`Infinity` when unbounded). */
  readonly maxQueue: number;
  /** True while the queue is at or past `maxQueue` (piscina's `needsDrain`). */
  readonly needsDrain: boolean;
  /** Tasks finished (resolved or rejected) so far. */
  readonly completed: number;
  /** Share of the pool's capacity spent running tasks since it started, 0 to 1. */
  readonly utilization: number;
  /** Milliseconds since the pool started. */
  readonly duration: number;
  /** Task run times in ms (piscina's histogram summary: mean, p50, p99, max, …). */
  readonly runTime: PiscinaHistogramSummary;
  /** Time tasks waited in the queue, in ms. */
  readonly waitTime: PiscinaHistogramSummary;
}

/** piscina's histogram summary (mean, min, max, p50, p99, …; piscina does not export its name). */
export type PiscinaHistogramSummary = Piscina['histogram']['runTime'];

/** A pool of threads sharing ShardedMaps. Create with {@link createMapPool}. */
export interface MapPool<M extends MapRecord = MapRecord> extends AsyncDisposable {
  /** The most threads the pool runs (`maxThreads`; fixed unless `minThreads` is lower). */
  readonly threads: number;
  /** Queue size, utilization, completed tasks, run and wait times: see {@link MapPoolStats}. */
  readonly stats: MapPoolStats;
  /** The maps as the main thread sees them (the same objects given to `createMapPool`). */
  readonly maps: M;
  /**
   * Runs `task` in some thread: calls the task module's export with `(task, maps)` and resolves
   * with its (awaited) return value. The task and the result are structured-cloned. An error the
   * task throws rejects with the same class, `name`, `message`, `code` and `cause` (and its other
   * own properties that clone), where structured clone alone would drop `code`.
   *
   * Aborting (via `options.signal`) a task that is running TERMINATES its thread, possibly while
   * it holds a shard lock or is half-way through a write. Once that thread has exited, the pool
   * recovers every map and cache from it (`recoverThread`): its locks are taken over, the write
   * it had in flight is rolled back whole, and writes it completed stay. See `recoveries`.
   * Recovery runs on this thread's event loop: until it has, a write that needs a lock the
   * terminated thread held waits — so await, do not block this thread on the maps, while aborting.
   */
  run<R = unknown>(task?: unknown, options?: MapPoolRunOptions): Promise<R>;
  /** Threads that ended holding a lock or a half-done write, and what recovering them took. */
  readonly recoveries: readonly ThreadRecovery[];
  /**
   * Waits for the tasks already submitted, then stops every thread. Resolves when all have
   * exited and every thread that ended has been recovered, leaving no handles behind.
   * Idempotent; `run()` after `close()` rejects.
   */
  close(): Promise<void>;
  /** `await using pool = createMapPool(...)` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** piscina's filename: CommonJS, so its first require() never goes through require(esm) (entry-cjs.cts). */
const ENTRY = fileURLToPath(new URL('./entry-cjs.cjs', import.meta.url));

/**
 * Starts a fixed pool of `threads` worker threads; each attaches every map in `maps` once.
 *
 * @example
 * const users = ShardedMap.create<string, number>();
 * await using pool = createMapPool({ maps: { users }, threads: 4, filename: new URL('./task.js', import.meta.url) });
 * await pool.run({ id: 'ada' });   // task.js: export default (task, { users }) => users.add(task.id, 1)
 */
export function createMapPool<M extends MapRecord>(options: MapPoolOptions<M>): MapPool<M> {
  return new PiscinaMapPool(options);
}

class PiscinaMapPool<M extends MapRecord> implements MapPool<M> {
  readonly threads: number;
  readonly maps: M;
  readonly #piscina: Piscina<TaskEnvelope, unknown>;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #tokens = createTokenTable();
  readonly #recoveries: ThreadRecovery[] = [];
  readonly #watch: ThreadWatch;
  #closing: Promise<void> | undefined;

  constructor(options: MapPoolOptions<M>) {
    const {
      maps, threads, filename, name, execArgv, onThreadError: onError,
      minThreads, maxThreads, idleTimeout, ...passThrough
    } = options;
    this.maps = maps;
    const sizes = threadCounts(threads, minThreads, maxThreads);
    this.threads = sizes.max;
    const workerData: Record<string, PoolWorkerData> = {
      [POOL_WORKER_DATA]: {
        maps: handlesOf(maps),
        filename: filename === undefined ? null : toModuleUrl(filename, 'filename'),
        name: checkName(name, 'name') ?? 'default',
        tokens: this.#tokens,
      },
    };
    this.#piscina = new Piscina<TaskEnvelope, unknown>({
      ...passThrough,
      filename: ENTRY,
      minThreads: sizes.min,
      maxThreads: sizes.max,
      idleTimeout: idleTimeout ?? Infinity,
      workerData,
      ...(execArgv === undefined ? {} : { execArgv: [...execArgv] }),
    });
    const onThreadError = onError ?? warnThreadError;
    this.#piscina.on('error', onThreadError);
    // A thread that ends (an aborted task terminates its thread) may hold a lock: recover the maps,
    // once it has exited (pool/recovery.ts: piscina reports it destroyed before it stops running).
    const handles = Object.values(maps).map((map) => map.handle);
    this.#watch = new ThreadWatch(() => this.#piscina.threads, (threadId) => {
      // (A handle no thread could attach cannot be recovered either: that is reported, not thrown
      // out of an event handler.)
      let recovery: ThreadRecovery;
      try {
        recovery = recoverPoolThread(this.#tokens, threadId, handles);
      } catch (error) {
        onThreadError(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (recovery.shardsRecovered > 0 || recovery.heapRecovered) this.#recoveries.push(recovery);
    });
    this.#piscina.on('workerCreate', (worker: { id: number }) => this.#watch.created(worker.id));
    this.#piscina.on('workerDestroy', (worker: { id: number }) => this.#watch.destroyed(worker.id));
  }

  get stats(): MapPoolStats {
    const piscina = this.#piscina;
    const histogram = piscina.histogram;
    return {
      threads: piscina.threads.length,
      idleThreads: piscina.idleThreads,
      queueSize: piscina.queueSize,
      maxQueue: piscina.options.maxQueue,
      needsDrain: piscina.needsDrain,
      completed: piscina.completed,
      utilization: piscina.utilization,
      duration: piscina.duration,
      runTime: histogram.runTime,
      waitTime: histogram.waitTime,
    };
  }

  get recoveries(): readonly ThreadRecovery[] {
    return this.#recoveries;
  }

  run<R = unknown>(task?: unknown, options: MapPoolRunOptions = {}): Promise<R> {
    if (this.#closing !== undefined) return Promise.reject(poolClosed());
    const envelope: TaskEnvelope = {
      filename: options.filename === undefined ? null : toModuleUrl(options.filename, 'run().filename'),
      name: checkName(options.name, 'run().name') ?? null,
      task,
    };
    const running = this.#piscina.run(envelope, options.signal ? { signal: options.signal } : {}).catch(rethrowDecoded);
    this.#track(running);
    return running as Promise<R>;
  }

  close(): Promise<void> {
    this.#closing ??= this.#drainAndDestroy();
    return this.#closing;
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }

  #track(running: Promise<unknown>): void {
    this.#inFlight.add(running);
    const forget = (): void => void this.#inFlight.delete(running);
    running.then(forget, forget);
  }

  /**
   * Waits for submitted tasks ourselves, then `destroy()`s piscina. Piscina's own `close()` races
   * the drain against an unref'd 30 s timer that stays pending long after the pool is gone.
   */
  async #drainAndDestroy(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    await this.#piscina.destroy();
    await this.#watch.settled(); // every thread that ended is recovered before close() resolves
  }
}

/** A task's error arrives encoded by the entry (pool/entry.ts): rebuild it with its code and class. */
function rethrowDecoded(error: unknown): never {
  throw decodeError(error);
}

function handlesOf(maps: MapRecord): PoolWorkerData['maps'] {
  if (typeof maps !== 'object' || maps === null) throw invalidOption('maps', 'must be an object of name → ShardedMap or ShardedCache');
  const handles: Record<string, PoolWorkerData['maps'][string]> = {};
  for (const [name, map] of Object.entries(maps)) {
    const handle = (map as { handle?: unknown } | null)?.handle;
    if (typeof handle !== 'object' || handle === null) {
      throw invalidOption(`maps.${name}`, 'must be a ShardedMap or a ShardedCache (it has no handle)');
    }
    handles[name] = map.handle;
  }
  return handles;
}

/** `threads` sets both bounds; `minThreads` / `maxThreads` override one each. */
function threadCounts(threads: number | undefined, minThreads: number | undefined, maxThreads: number | undefined): { min: number; max: number } {
  const max = checkCount(maxThreads, 'maxThreads', 1) ?? checkCount(threads, 'threads', 1) ?? availableParallelism();
  const fixed = checkCount(threads, 'threads', 1) ?? max;
  const min = checkCount(minThreads, 'minThreads', 0) ?? Math.min(fixed, max);
  if (min > max) throw invalidOption('minThreads', `must be at most maxThreads (${max}), got ${min}`);
  return { min, max };
}

function checkCount(count: number | undefined, option: string, least: number): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isInteger(count) || count < least) throw invalidOption(option, `must be an integer >= ${least}, got ${String(count)}`);
  return count;
}

function checkName(name: string | undefined, option: string): string | undefined {
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw invalidOption(option, 'must be a non-empty string');
  return name;
}

/** Worker threads import modules by URL; accept a path, a `file:` URL string or a URL. */
function toModuleUrl(filename: string | URL, option: string): string {
  if (filename instanceof URL) return filename.href;
  if (typeof filename !== 'string' || filename === '') throw invalidOption(option, 'must be a path or a file: URL');
  return filename.startsWith('file:') ? filename : pathToFileURL(filename).href;
}

function warnThreadError(error: Error): void {
  process.emitWarning(`map pool thread failed outside a task: ${error.message}`, 'MapPoolWarning');
}
