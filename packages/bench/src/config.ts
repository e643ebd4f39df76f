/**
 * Command-line flags and the two presets. `--quick` is the CI smoke run (under 2 minutes on the
 * 2-core machine); the default is the full report. Individual flags override either preset.
 */
import { parseArgs } from 'node:util';
import type { CacheBenchSettings } from './cache/run-cache.js';
import { DEFAULT_MEMORY_SIZES, type MemorySettings } from './memory/run-memory.js';
import type { MultiSettings } from './multi/run-multi.js';
import type { RedisBenchSettings } from './redis/run-redis.js';
import type { SingleSettings } from './single/suite.js';

export interface BenchConfig {
  readonly mode: 'quick' | 'full' | 'custom';
  readonly outDir: string;
  readonly runSingle: boolean;
  readonly runMulti: boolean;
  readonly single: SingleSettings;
  readonly multi: MultiSettings;
  /** Set by --only cache: the cache hit-ratio bench runs instead of the map suites. */
  readonly cache?: CacheBenchSettings;
  /** Set by --only memory (and by a full run, after the suites): the memory bench. */
  readonly memory?: MemorySettings;
  /** Set by --only redis: the @shardmap/redis bench runs instead of the map suites. */
  readonly redis?: RedisBenchSettings;
}

/** Thrown for a bad command line; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: pnpm bench [options]

Runs the single-thread (tinybench) and multi-thread (bustle + Go map_bench workloads) benchmarks of
ShardedMap against Map, Map behind postMessage, npm sharedmap, lmdb and a copy-on-write map, and
writes <out>/results.json, <out>/REPORT.md and <out>/charts/*.svg.

Options:
  --quick               small sizes and op counts; finishes in under 2 minutes (CI smoke run)
  --only <suite>        run only 'single' or 'multi'; 'cache' runs the cache hit-ratio bench
                        instead (traces of /work/shared/traces, or SHARDMAP_TRACES); 'memory'
                        the bytes-per-entry bench (also part of a full run; --sizes picks its
                        entry counts, default 1000,100000,1000000); 'redis' runs the
                        @shardmap/redis near-cache bench (starts /usr/bin/redis-server on a
                        random port, or uses REDIS_URL); with --quick, small counts
  --traces <list>       cache: traces by name, e.g. multi1,web12 (default all)
  --runs <n>            measured runs per cell (default 3)
  --warmup-runs <n>     discarded runs before them, per cell (default 1; quick: 0)
  --rounds <n>          multi-thread: run the whole matrix n times and pool each cell's runs,
                        so a noisy minute hits every target alike (default 1)
  --threads <list>      thread counts, e.g. 1,2,4 (default 1,2,4)
  --workloads <list>    multi-thread workloads by name, e.g. ReadHeavy,Exchange (default all)
  --targets <list>      baselines by id: sharded, sharded-1, syncmap, postmessage, sharedmap,
                        lmdb, cow (multi-thread); map, sharded, sharded-1, sharedmap (single)
  --sizes <list>        single-thread map sizes, multiples of 1000 (default 1000,1000000;
                        quick: 1000,10000)
  --capacity-log2 <n>   bustle initial capacity 2^n: sizes keys, prefill and ops (default 20;
                        quick: 14)
  --ops-factor <x>      bustle ops per run as a multiple of the initial capacity (default 2;
                        quick: 1)
  --go-ops <n>          Go workloads: iterations per run before scaling (default 524288;
                        quick: 16384)
  --cpu-prof <dir>      write a V8 CPU profile per multi-thread worker into <dir> (open the
                        .cpuprofile files in Chrome DevTools); combine with --workloads/--targets
  --seed <n>            seed for keys and op mixes (default: random, printed in results)
  --out <dir>           output directory (default: bench-results)
  -h, --help            show this help

Exit status: 0 on success, 1 if the run failed, 2 for bad options.`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}

function intList(name: string, raw: string | undefined, fallback: readonly number[]): number[] {
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim());
  const values = items.map((s) => Number(s));
  if (items.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new UsageError(`--${name} must be a comma-separated list of positive integers, got '${raw}'`);
  }
  return values;
}

function nameList(raw: string | undefined): string[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly config: BenchConfig };

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        traces: { type: 'string' },
        runs: { type: 'string' },
        'warmup-runs': { type: 'string' },
        rounds: { type: 'string' },
        threads: { type: 'string' },
        workloads: { type: 'string' },
        targets: { type: 'string' },
        sizes: { type: 'string' },
        'capacity-log2': { type: 'string' },
        'go-ops': { type: 'string' },
        'ops-factor': { type: 'string' },
        seed: { type: 'string' },
        'cpu-prof': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  const quick = values.quick === true;
  if (values.only !== undefined && !['single', 'multi', 'cache', 'memory', 'redis'].includes(values.only)) {
    throw new UsageError(`--only must be 'single', 'multi', 'cache', 'memory' or 'redis', got '${values.only}'`);
  }
  const sizes = intList('sizes', values.sizes, quick ? [1000, 10_000] : [1000, 1_000_000]);
  if (sizes.some((s) => s % 1000 !== 0)) throw new UsageError(`--sizes must be multiples of 1000, got '${values.sizes}'`);
  const capacityLog2 = positiveInt('capacity-log2', values['capacity-log2'], quick ? 14 : 20, 8);
  if (capacityLog2 > 24) throw new UsageError(`--capacity-log2 must be at most 24, got '${capacityLog2}'`);
  const seed = positiveInt('seed', values.seed, Math.floor(Math.random() * 0x7fffffff), 0);
  const runs = values.runs === undefined ? undefined : positiveInt('runs', values.runs, 3);
  const opsFactor = values['ops-factor'] === undefined ? (quick ? 1 : 2) : Number(values['ops-factor']);
  if (!(opsFactor > 0 && opsFactor <= 64)) throw new UsageError(`--ops-factor must be a number in (0, 64], got '${values['ops-factor']}'`);
  const customised = ['runs', 'warmup-runs', 'rounds', 'threads', 'workloads', 'targets', 'sizes', 'capacity-log2', 'go-ops', 'ops-factor', 'only', 'cpu-prof'].some(
    (k) => (values as Record<string, unknown>)[k] !== undefined,
  );
  const targets = nameList(values.targets);
  return {
    help: false,
    config: {
      mode: customised ? 'custom' : quick ? 'quick' : 'full',
      outDir: values.out ?? 'bench-results',
      runSingle: values.only === undefined || values.only === 'single',
      runMulti: values.only === undefined || values.only === 'multi',
      ...(values.only === 'cache'
        ? { cache: { seed, ...(nameList(values.traces) ? { traces: nameList(values.traces)! } : {}), ...(process.env.SHARDMAP_TRACES ? { traceDir: process.env.SHARDMAP_TRACES } : {}) } }
        : {}),
      ...(values.only === 'memory' || (values.only === undefined && !quick)
        ? { memory: { sizes: values.only === 'memory' && values.sizes !== undefined ? intList('sizes', values.sizes, DEFAULT_MEMORY_SIZES) : DEFAULT_MEMORY_SIZES } }
        : {}),
      ...(values.only === 'redis' ? { redis: { quick, seed } } : {}),
      single: {
        sizes,
        runs: runs ?? 3,
        timeMs: quick ? 15 : 250,
        warmupMs: quick ? 5 : 100,
        seed,
        ...(targets ? { targets } : {}),
      },
      multi: {
        threads: intList('threads', values.threads, [1, 2, 4]),
        runs: runs ?? 3,
        rounds: positiveInt('rounds', values.rounds, 1),
        warmupRuns: positiveInt('warmup-runs', values['warmup-runs'], quick ? 0 : 1, 0),
        settings: {
          bustle: { capacityLog2, opsFactor },
          go: { baseOps: positiveInt('go-ops', values['go-ops'], quick ? 1 << 14 : 1 << 19, 64) },
        },
        seed,
        runTimeoutMs: quick ? 30_000 : 300_000,
        ...(nameList(values.workloads) ? { workloads: nameList(values.workloads)! } : {}),
        ...(targets ? { targets } : {}),
        ...(values['cpu-prof'] ? { cpuProfileDir: values['cpu-prof'] } : {}),
      },
    },
  };
}
