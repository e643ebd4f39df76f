/**
 * Go's sync.Map benchmarks (golang/go src/sync/map_bench_test.go), ported op for op.
 *
 * Go runs each body under b.RunParallel with worker `id` starting at `i = id * b.N`. Here every
 * thread runs a fixed share of the run's iterations starting at `i = threadIndex * totalOps`, so
 * per-thread key ranges never overlap, as in Go. One iteration of the loop is one "op" (Go's
 * ns/op counts loop iterations too, even where an iteration makes two calls).
 *
 * `setup` runs once, on thread 0, before the barrier (Go runs it before the timer starts).
 */
import type { MapTarget } from '../target.js';
import type { RunShape, ThreadContext, ThreadOutcome, Workload } from './types.js';

interface GoSpec {
  readonly name: string;
  readonly description: string;
  readonly setup?: (m: MapTarget) => void;
  /** Runs on EVERY thread before the barrier, with the thread's first `i` (its own key range). */
  readonly setupPerThread?: (m: MapTarget, start: number) => void;
  /** Runs `n` iterations starting at `i`; returns the number of failed checks. */
  readonly perG: (m: MapTarget, i: number, n: number) => number;
  /** The loop's control flow or checks read results (so no pipelining). */
  readonly usesResults?: boolean;
  /** Iterations relative to the suite's base count (Range visits 1024 entries per iteration). */
  readonly opsScale?: number;
  /** Bound on live keys for `total` iterations across `threads` threads. */
  readonly maxKeys: (total: number, threads: number) => number;
}

interface GoState {
  readonly start: number;
  readonly n: number;
}

/** Go's "hits, misses" setup: LoadOrStore the hits, then "prime the map to a steady state". */
function primed(hits: number): (m: MapTarget) => void {
  return (m) => {
    for (let i = 0; i < hits; i++) m.loadOrStore(i, i);
    for (let i = 0; i < hits * 2; i++) m.get(i % hits);
  };
}

const storeZero = (m: MapTarget): void => void m.loadOrStore(0, 0);

function goWorkload(spec: GoSpec): Workload<GoState> {
  const opsScale = spec.opsScale ?? 1;
  return {
    suite: 'go',
    name: spec.name,
    description: spec.description,
    usesResults: spec.usesResults ?? false,
    checksSize: false,
    shape(settings, threads, targetScale): RunShape {
      const totalOps = Math.max(threads, Math.floor(settings.go.baseOps * opsScale * targetScale));
      // Slack covers keys that threads hold transiently (stored then deleted by the same step).
      return { totalOps, capacityHint: undefined, maxKeys: spec.maxKeys(totalOps, threads) + 64 };
    },
    prepare(target, ctx: ThreadContext): GoState {
      if (ctx.threadIndex === 0 && spec.setup) {
        spec.setup(target);
        target.flush();
      }
      const start = ctx.threadIndex * ctx.totalOps;
      if (spec.setupPerThread) {
        spec.setupPerThread(target, start);
        target.flush();
      }
      return { start, n: Math.floor(ctx.totalOps / ctx.threads) };
    },
    run(target, state): ThreadOutcome {
      const failures = spec.perG(target, state.start, state.n);
      return { ops: state.n, checkFailures: target.deferredResults ? 0 : failures, sizeDelta: undefined };
    },
  };
}

const HITS_1023 = 1023;

function loadMix(hits: number, misses: number) {
  return (m: MapTarget, i: number, n: number): number => {
    for (const end = i + n; i < end; i++) m.get(i % (hits + misses));
    return 0;
  };
}

function swapMix(hits: number, misses: number) {
  return (m: MapTarget, i: number, n: number): number => {
    for (const end = i + n; i < end; i++) {
      if (i % (hits + misses) < hits) {
        const v = i % (hits + misses);
        m.swap(v, v);
      } else {
        m.swap(i, i);
        m.delete(i);
      }
    }
    return 0;
  };
}

function casMix(hits: number, misses: number) {
  return (m: MapTarget, i: number, n: number): number => {
    for (const end = i + n; i < end; i++) {
      const v = i % (hits + misses) < hits ? i % (hits + misses) : i;
      m.compareAndSwap(v, v, v);
    }
    return 0;
  };
}

function cadMix(hits: number, misses: number) {
  return (m: MapTarget, i: number, n: number): number => {
    for (const end = i + n; i < end; i++) {
      const v = i % (hits + misses) < hits ? i % (hits + misses) : i;
      if (m.compareAndDelete(v, v)) m.set(v, v);
    }
    return 0;
  };
}

/** DisjointLoads' working set per thread. */
const DISJOINT_KEYS = 1024;

const specs: GoSpec[] = [
  // Not in Go's file: the sync.Map doc's second case ("goroutines read, write, and overwrite
  // entries for disjoint sets of keys"), read side. Each thread stores its own 1024 keys once,
  // primes them like Go's setup, then loads only those; every load must return its key.
  {
    name: 'DisjointLoads',
    description: 'each thread stores its own 1024 keys once, then Load(own key); checks get(k) === k',
    setupPerThread: (m, start) => {
      for (let j = 0; j < DISJOINT_KEYS; j++) m.loadOrStore(start + j, start + j);
      for (let j = 0; j < 2 * DISJOINT_KEYS; j++) m.get(start + (j % DISJOINT_KEYS));
    },
    perG: (m, i, n) => {
      let failed = 0;
      for (let j = 0; j < n; j++) {
        const k = i + (j & (DISJOINT_KEYS - 1));
        // Loose on purpose: targets that store strings (npm sharedmap) give back '5' for 5.
        if (m.get(k) != k) failed++;
      }
      return failed;
    },
    maxKeys: (_t, threads) => threads * DISJOINT_KEYS,
  },
  { name: 'LoadMostlyHits', description: '1023 keys primed; Load(i % 1024)', setup: primed(1023), perG: loadMix(1023, 1), maxKeys: () => 1023 },
  { name: 'LoadMostlyMisses', description: 'key 0 only; Load(i % 1024)', setup: primed(1), perG: loadMix(1, 1023), maxKeys: () => 1 },
  {
    name: 'LoadOrStoreBalanced',
    description: '128 keys primed; half the iterations hit them, half store a new key',
    setup: primed(128),
    usesResults: true,
    perG: (m, i, n) => {
      let failures = 0;
      for (const end = i + n; i < end; i++) {
        const j = i % 256;
        if (j < 128) {
          if (!m.loadOrStore(j, i)) failures++; // must hit
        } else if (m.loadOrStore(i, i)) failures++; // must store
      }
      return failures;
    },
    maxKeys: (total) => 128 + Math.ceil(total / 2),
  },
  {
    name: 'LoadOrStoreUnique',
    description: 'LoadOrStore(i, i): every iteration stores a new key',
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.loadOrStore(i, i);
      return 0;
    },
    maxKeys: (total) => total,
  },
  {
    name: 'LoadOrStoreCollision',
    description: 'every thread LoadOrStore(0, 0) on one present key',
    setup: storeZero,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.loadOrStore(0, 0);
      return 0;
    },
    maxKeys: () => 1,
  },
  {
    name: 'LoadAndDeleteBalanced',
    description: '128 keys primed; LoadAndDelete of them and of absent keys, alternating',
    setup: primed(128),
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) {
        const j = i % 256;
        m.loadAndDelete(j < 128 ? j : i);
      }
      return 0;
    },
    maxKeys: () => 128,
  },
  {
    name: 'LoadAndDeleteUnique',
    description: 'LoadAndDelete(i) of absent keys',
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.loadAndDelete(i);
      return 0;
    },
    maxKeys: () => 0,
  },
  {
    name: 'LoadAndDeleteCollision',
    description: 'one key; LoadAndDelete(0) and Store(0, 0) back when it was there',
    setup: storeZero,
    usesResults: true,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) if (m.loadAndDelete(0)) m.set(0, 0);
      return 0;
    },
    maxKeys: () => 1,
  },
  {
    name: 'Range',
    description: '1024 keys; each iteration Ranges over all of them',
    setup: (m) => {
      for (let i = 0; i < 1024; i++) m.set(i, i);
    },
    opsScale: 1 / 512,
    perG: (m, i, n) => {
      let failures = 0;
      for (const end = i + n; i < end; i++) if (m.rangeAll() < 1024 && !m.deferredResults) failures++;
      return failures;
    },
    maxKeys: () => 1024,
  },
  {
    name: 'AdversarialAlloc',
    description: 'Load(i) of unique missing keys; a LoadOrStore each time loads exceed stores',
    perG: (m, i, n) => {
      let stores = 0;
      let loadsSinceStore = 0;
      for (const end = i + n; i < end; i++) {
        m.get(i);
        if (++loadsSinceStore > stores) {
          m.loadOrStore(i, stores);
          loadsSinceStore = 0;
          stores++;
        }
      }
      return 0;
    },
    maxKeys: (total, threads) => threads * Math.ceil(Math.sqrt((2 * total) / threads) + 2),
  },
  {
    name: 'AdversarialDelete',
    description: '1024 keys; Load(i), and every 1024 iterations a Range deletes one key, then Store(i, i)',
    setup: (m) => {
      for (let i = 0; i < 1024; i++) m.set(i, i);
    },
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) {
        m.get(i);
        if (i % 1024 === 0) {
          m.rangeDeleteFirst();
          m.set(i, i);
        }
      }
      return 0;
    },
    maxKeys: (_total, threads) => 1024 + threads,
  },
  {
    name: 'DeleteCollision',
    description: 'every thread Delete(0) on one key',
    setup: storeZero,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.delete(0);
      return 0;
    },
    maxKeys: () => 1,
  },
  {
    name: 'SwapCollision',
    description: 'every thread Swap(0, 0) on one key',
    setup: storeZero,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.swap(0, 0);
      return 0;
    },
    maxKeys: () => 1,
  },
  { name: 'SwapMostlyHits', description: '1023 keys primed; Swap on them, or Swap+Delete of a new key', setup: primed(HITS_1023), perG: swapMix(1023, 1), maxKeys: (_t, threads) => 1023 + threads },
  { name: 'SwapMostlyMisses', description: 'key 0 primed; Swap+Delete of new keys, Swap(0) 1 in 1024', setup: primed(1), perG: swapMix(1, 1023), maxKeys: (_t, threads) => 1 + threads },
  {
    name: 'CompareAndSwapCollision',
    description: 'one key; CompareAndSwap(0, 0, 42) and back when it succeeded',
    setup: storeZero,
    usesResults: true,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) if (m.compareAndSwap(0, 0, 42)) m.compareAndSwap(0, 42, 0);
      return 0;
    },
    maxKeys: () => 1,
  },
  {
    name: 'CompareAndSwapNoExistingKey',
    description: 'CompareAndSwap(i, 0, 0) on absent keys (Delete(i) if it ever succeeded)',
    usesResults: true,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) if (m.compareAndSwap(i, 0, 0)) m.delete(i);
      return 0;
    },
    maxKeys: () => 0,
  },
  {
    name: 'CompareAndSwapValueNotEqual',
    description: 'key 0 = 0; CompareAndSwap(0, 1, 2) always fails',
    setup: (m) => m.set(0, 0),
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) m.compareAndSwap(0, 1, 2);
      return 0;
    },
    maxKeys: () => 1,
  },
  { name: 'CompareAndSwapMostlyHits', description: '1023 keys primed; CompareAndSwap(v, v, v), v mostly present', setup: primed(HITS_1023), perG: casMix(1023, 1), maxKeys: () => 1023 },
  { name: 'CompareAndSwapMostlyMisses', description: 'key 0 primed; CompareAndSwap(v, v, v), v mostly absent', setup: primed(1), perG: casMix(1, 1023), maxKeys: () => 1 },
  {
    name: 'CompareAndDeleteCollision',
    description: 'one key; CompareAndDelete(0, 0) and Store(0, 0) back when it succeeded',
    setup: storeZero,
    usesResults: true,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) if (m.compareAndDelete(0, 0)) m.set(0, 0);
      return 0;
    },
    maxKeys: () => 1,
  },
  { name: 'CompareAndDeleteMostlyHits', description: '1023 keys primed; CompareAndDelete(v, v) then Store back', setup: primed(HITS_1023), usesResults: true, perG: cadMix(1023, 1), maxKeys: () => 1023 },
  { name: 'CompareAndDeleteMostlyMisses', description: 'key 0 primed; CompareAndDelete(v, v) of mostly absent keys', setup: primed(1), usesResults: true, perG: cadMix(1, 1023), maxKeys: () => 1 },
  {
    name: 'Clear',
    description: 'Clear() then Store(i % 256, i % 256)',
    opsScale: 1 / 16,
    perG: (m, i, n) => {
      for (const end = i + n; i < end; i++) {
        const k = i % 256;
        m.clear();
        m.set(k, k);
      }
      return 0;
    },
    maxKeys: (_t, threads) => threads,
  },
];

export const goWorkloads: readonly Workload[] = specs.map(goWorkload) as Workload[];

/**
 * Workloads Go itself skips for DeepCopyMap ("DeepCopyMap has quadratic running time"):
 * the copy-on-write target skips the same ones.
 */
export const QUADRATIC_FOR_COPY_ON_WRITE: ReadonlySet<string> = new Set([
  'LoadOrStoreBalanced',
  'LoadOrStoreUnique',
  'LoadAndDeleteBalanced',
  'LoadAndDeleteUnique',
  'CompareAndSwapMostlyHits',
  'CompareAndDeleteMostlyHits',
]);
