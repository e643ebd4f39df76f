/**
 * Loads `@shardmap/core` at run time and describes the slice of its contract the benchmarks use.
 *
 * Why not a static import: the bench package must build (and its report machinery must be
 * testable) while the core is still being written, and the `syncmap` mode appears later than the
 * rest. The shapes below are copied from the public contract (shared/CONTRACT.md); if the core
 * drifts from them the benchmarks fail loudly at the first call, not silently.
 */

export type MapMode = 'striped' | 'syncmap';

export interface ShardedMapOptionsLike {
  keys?: string;
  values?: string;
  shards?: number;
  capacity?: number;
  maxBytes?: number;
  mode?: MapMode;
  seed?: number;
}

/** The ShardedMap surface the benchmarks call. */
export interface ShardedMapLike<K = unknown, V = unknown> {
  readonly handle: unknown;
  readonly size: number;
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  delete(key: K): boolean;
  clear(): void;
  loadOrStore(key: K, value: V): { value: V; loaded: boolean };
  loadAndDelete(key: K): { value: V | undefined; loaded: boolean };
  swap(key: K, value: V): { previous: V | undefined; loaded: boolean };
  compareAndSwap(key: K, expected: V, replacement: V): boolean;
  compareAndDelete(key: K, expected: V): boolean;
  range(fn: (key: K, value: V) => boolean | void): void;
  update(key: K, fn: (current: V | undefined) => V | undefined): V | undefined;
  add(key: K, delta: number): number;
  stats(): Record<string, unknown>;
}

export interface ShardedMapClassLike {
  create<K = unknown, V = unknown>(options?: ShardedMapOptionsLike): ShardedMapLike<K, V>;
  attach<K = unknown, V = unknown>(handle: unknown): ShardedMapLike<K, V>;
}

let cached: Promise<ShardedMapClassLike | undefined> | undefined;

/** The ShardedMap class, or undefined while the core does not export it yet. */
export function loadShardedMap(): Promise<ShardedMapClassLike | undefined> {
  cached ??= import('@shardmap/core').then(
    (mod: Record<string, unknown>) => {
      const cls = mod['ShardedMap'] as ShardedMapClassLike | undefined;
      return typeof cls?.create === 'function' ? cls : undefined;
    },
    () => undefined,
  );
  return cached;
}

/** Like loadShardedMap, but a missing core is an error (for code that cannot go on without it). */
export async function requireShardedMap(): Promise<ShardedMapClassLike> {
  const cls = await loadShardedMap();
  if (!cls) throw new Error('@shardmap/core does not export ShardedMap yet (is packages/core built?)');
  return cls;
}

/**
 * Whether `mode: 'syncmap'` is implemented: per the core's plan, create() throws for a mode it
 * does not know. A tiny map is created and dropped; its memory is reclaimed with it.
 */
export async function syncMapModeAvailable(): Promise<boolean> {
  const cls = await loadShardedMap();
  if (!cls) return false;
  try {
    const m = cls.create({ mode: 'syncmap', capacity: 16, maxBytes: 1 << 20 });
    m.set(1, 1);
    return m.get(1) === 1;
  } catch {
    return false;
  }
}
