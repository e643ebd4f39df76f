/**
 * The baselines of the multi-thread report, in the order they appear in it. Adding one is one
 * entry here plus a module exporting `create`/`attach` (see ../target.ts).
 *
 * `opsScale` shrinks the fixed op count for targets that are orders of magnitude slower, so a run
 * of each lasts a similar time; ops/s does not depend on it (bigger runs only reduce noise).
 */
import { QUADRATIC_FOR_COPY_ON_WRITE } from '../workloads/go.js';
import type { Suite, Workload } from '../workloads/types.js';

export interface TargetSpec {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** File in this directory (built JS) exporting `create` and `attach`. */
  readonly module: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly opsScale: number;
  readonly suites: readonly Suite[];
  /** A reason to skip `workload` for this target, or undefined to run it. */
  skip?(workload: Workload): string | undefined;
  /** A reason this target cannot run at all on this build, or undefined when it can. */
  unavailable?(): Promise<string | undefined>;
}

export const targetSpecs: readonly TargetSpec[] = [
  {
    id: 'sharded',
    label: 'ShardedMap',
    description: 'ShardedMap.create() defaults (striped, shard count from the machine)',
    module: 'sharded.js',
    params: {},
    opsScale: 1,
    suites: ['bustle', 'go'],
  },
  {
    id: 'sharded-1',
    label: 'ShardedMap shards:1',
    description: 'ShardedMap.create({ shards: 1 }): one lock, the RWMutexMap analog',
    module: 'sharded.js',
    params: { shards: 1 },
    opsScale: 1,
    suites: ['bustle', 'go'],
  },
  {
    id: 'syncmap',
    label: 'ShardedMap syncmap',
    description: "ShardedMap.create({ mode: 'syncmap' }): the read-snapshot mode (sync.Map analog)",
    module: 'sharded.js',
    params: { mode: 'syncmap' },
    opsScale: 1,
    suites: ['bustle', 'go'],
  },
  {
    id: 'postmessage',
    label: 'Map via postMessage',
    description: 'a Map owned by one extra thread; requests and replies by postMessage (pipelined when results are unused)',
    module: 'postmessage.js',
    params: {},
    // ~3 µs per pipelined request, ~10–20 µs per sequential round trip.
    opsScale: 1 / 32,
    suites: ['bustle', 'go'],
  },
  {
    id: 'sharedmap',
    label: 'npm sharedmap',
    description: 'npm sharedmap 1.2.0 (string keys/values, fixed size, global read lock)',
    module: 'sharedmap.js',
    params: {},
    opsScale: 1 / 8,
    suites: ['bustle', 'go'],
  },
  {
    id: 'lmdb',
    label: 'lmdb',
    description: 'lmdb 3.5.6 on tmpfs, noSync, no cache; synchronous write transactions',
    module: 'lmdb.js',
    params: {},
    // Its write transactions take ~15 µs (Exchange ran at ~60k ops/s on one thread, 15k on two).
    opsScale: 1 / 32,
    suites: ['bustle', 'go'],
  },
  {
    id: 'cow',
    label: 'copy-on-write',
    description: "copy-on-write map in shared memory (Go's DeepCopyMap analog): lock-free reads, every write copies",
    module: 'cow.js',
    params: {},
    // A write copies the table: ~20 µs at 1k entries (SwapMostlyHits writes every iteration).
    opsScale: 1 / 8,
    suites: ['go'],
    skip: (w) =>
      QUADRATIC_FOR_COPY_ON_WRITE.has(w.name) ? 'skipped as in Go: quadratic running time for a copy-on-write map' : undefined,
  },
];

export function findTarget(id: string): TargetSpec {
  const found = targetSpecs.find((t) => t.id === id);
  if (!found) throw new Error(`unknown target ${id}`);
  return found;
}
