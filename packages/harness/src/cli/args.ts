/**
 * Command-line flags of `pnpm start` (dist/cli.js), parsed with node:util parseArgs (strict: an
 * unknown flag, a missing value or a stray argument is an error). Every problem becomes a
 * `UsageError`, which the CLI prints with a pointer to --help and exit code 2.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { MIX_PRESETS } from '../mix.js';

/** A command-line mistake: printed as is, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What the flags ask for. */
export interface CliOptions {
  readonly help: boolean;
  readonly threads: number;
  /** Timed run length, or undefined for a counted run (`--ops`). */
  readonly durationMs: number | undefined;
  readonly ops: number | undefined;
  readonly mix: string;
  readonly keys: number;
  readonly dist: 'uniform' | 'zipf';
  readonly mode: 'striped' | 'syncmap';
  readonly prefill: number | undefined;
  readonly partition: 'shared' | 'disjoint';
  readonly seed: number | undefined;
  /** Where to write the JSON result; undefined: write nothing. */
  readonly json: string | undefined;
  /** Run the same workload against a Map behind postMessage after the map (off: --no-compare). */
  readonly compare: boolean;
}

const DEFAULT_DURATION_S = 10;
const DEFAULT_KEYS = 100_000;
const DEFAULT_MIX = 'typical';

const FLAGS = {
  threads: { type: 'string', short: 't' },
  duration: { type: 'string', short: 'd' },
  ops: { type: 'string' },
  mix: { type: 'string', short: 'm' },
  keys: { type: 'string', short: 'k' },
  dist: { type: 'string' },
  mode: { type: 'string' },
  prefill: { type: 'string' },
  partition: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'string' },
  'no-compare': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The --help text. */
export function helpText(): string {
  const presets = Object.keys(MIX_PRESETS).join(', ');
  const mix = Object.entries(MIX_PRESETS[DEFAULT_MIX].mix).map(([op, percent]) => `${op} ${percent}`).join(', ');
  return `Usage: pnpm start [-- ] [options]      (or: shardmap [options], the bin of packages/harness)

Creates a ShardedMap, prefills it and runs single-key reads and writes (and a rare range) on
every thread at once, then the same workload against a Map owned by one thread and reached by
postMessage; verifies both runs and prints one table with both and their ratio. range calls are
reported on a line of their own, not in the headline ops/s.

Options:
  -t, --threads <n>      worker threads (default: ${availableParallelism()}, this machine's parallelism)
  -d, --duration <time>  how long to run: seconds, or with a unit: 500ms, 2s, 1m (default: ${DEFAULT_DURATION_S}s)
      --ops <n>          run exactly n ops in total instead of a duration (e.g. 1000000, 1e6, 2m = 2 million)
  -m, --mix <mix>        op mix: a preset (${presets}),
                         "get=90,set=5,delete=5" (ops: get set delete update add range), or
                         "98/1/1/0" (positional, same order) (default: ${DEFAULT_MIX} = ${mix})
  -k, --keys <n>         key space size, e.g. 100000, 100k, 1m (default: ${DEFAULT_KEYS})
      --dist <d>         key popularity: uniform | zipf (θ = 0.99) (default: uniform)
      --mode <m>         map mode: striped | syncmap (default: striped)
      --prefill <f>      fraction of keys present before the run, 0..1 (default: the mix preset's, else 0.5)
      --partition <p>    shared (all threads, all keys) | disjoint (per-thread keys, exact model check)
                         (default: shared)
      --seed <n>         random seed, to repeat a run (default: random, printed)
      --json <file>      also write the whole result as JSON to this file (default: no file)
      --no-compare       skip the run against a Map behind postMessage
  -h, --help             show this help

Exit codes: 0 verified · 1 verification failed or the run failed · 2 bad command line.
`;
}

/** Parses argv (without node and the script). Throws UsageError on any mistake. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values } = parseFlags(argv);
  if (values.duration !== undefined && values.ops !== undefined) throw new UsageError('--duration and --ops exclude each other: give one');
  const ops = values.ops === undefined ? undefined : count(values.ops, '--ops');
  return {
    help: values.help ?? false,
    threads: values.threads === undefined ? availableParallelism() : integer(values.threads, '--threads', 1, 1024),
    ops,
    durationMs: ops !== undefined ? undefined : values.duration === undefined ? DEFAULT_DURATION_S * 1000 : duration(values.duration),
    mix: values.mix ?? DEFAULT_MIX,
    keys: values.keys === undefined ? DEFAULT_KEYS : count(values.keys, '--keys'),
    dist: choice(values.dist ?? 'uniform', '--dist', ['uniform', 'zipf'] as const),
    mode: choice(values.mode ?? 'striped', '--mode', ['striped', 'syncmap'] as const),
    prefill: values.prefill === undefined ? undefined : fraction(values.prefill, '--prefill'),
    partition: choice(values.partition ?? 'shared', '--partition', ['shared', 'disjoint'] as const),
    seed: values.seed === undefined ? undefined : integer(values.seed, '--seed', 0, 0xffffffff),
    json: values.json,
    compare: values['no-compare'] !== true,
  };
}

function parseFlags(argv: readonly string[]) {
  // `pnpm start -- --threads 2` forwards the "--" too; drop a leading one.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    return parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** 100000, 1e5, 100k, 2m (k = thousand, m = million). */
function count(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([km]?)\s*$/i.exec(text);
  const scale = match?.[2]?.toLowerCase() === 'k' ? 1e3 : match?.[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  const value = match ? Number(match[1]) * scale : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive whole number (e.g. 100000, 1e5, 100k), got "${text}"`);
  return value;
}

/** Seconds by default; or 500ms, 2s, 1m. */
function duration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? 's';
  const ms = match ? Number(match[1]) * (unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1000) : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) throw new UsageError(`--duration must be a positive time like 10, 2.5s, 500ms or 1m, got "${text}"`);
  return ms;
}

function fraction(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) throw new UsageError(`${flag} must be a number from 0 to 1, got "${text}"`);
  return value;
}

function choice<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${text}"`);
  return text as T;
}
