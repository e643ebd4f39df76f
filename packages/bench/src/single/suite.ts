/**
 * The single-thread suite (tinybench 6): get / set / has / delete / loadOrStore / add, on int keys,
 * 16-character string keys (the very string objects stored, reused: Map's best case, its hash
 * cached in the string) and string keys built per call (`'user:' + id + ':profile'`, as a service
 * builds them), number and small-object values, at each configured map size, for Map, ShardedMap
 * (default and `shards: 1`) and npm sharedmap (string keys, number values only: its API holds
 * strings, and numbers convert).
 *
 * Every case (subject, keys, values, size) runs in a fresh worker thread, once per round, the
 * rounds interleaved: no case inherits another's JIT feedback (a call site that has seen Map and
 * ShardedMap is polymorphic for both), and a slow minute of the machine spreads over every case.
 *
 * Each tinybench iteration runs a batch of BATCH operations over consecutive keys of a shuffled
 * key array, so timer overhead (~50 ns per sample) stays out of operations that take tens of ns,
 * and the large maps are probed in random order (cache misses included, as in real use).
 * get, has, set (overwrite), loadOrStore and add hit present keys; delete deletes a batch and an
 * untimed afterEach hook puts it back.
 */
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { splitmix32, shuffle } from '../util/rng.js';
import type { Summary } from '../util/stats.js';
import { summarize } from '../util/stats.js';
import type { Key, SingleSubject, SmallObject, Value } from './adapters.js';
import { MapSubject, SharedMapSubject, ShardedSubject } from './adapters.js';

export const SINGLE_OPS = ['get', 'set', 'has', 'delete', 'loadOrStore', 'add'] as const;
export type SingleOp = (typeof SINGLE_OPS)[number];
export const KEY_KINDS = ['int', 'str16', 'built'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export const KEY_LABELS: Record<KeyKind, string> = {
  int: 'int keys',
  str16: '16-char string keys (the stored objects, reused)',
  built: "string keys built per call ('user:' + id + ':profile')",
};
export type ValueKind = 'number' | 'object';

/** Operations per tinybench iteration (every size must be a multiple of it). */
export const BATCH = 1000;

export interface SingleSettings {
  readonly sizes: readonly number[];
  readonly runs: number;
  /** tinybench time budget per task and run, in ms. */
  readonly timeMs: number;
  readonly warmupMs: number;
  readonly seed: number;
  /** Target ids to run (all when undefined). */
  readonly targets?: readonly string[];
}

export interface SingleTarget {
  readonly id: string;
  readonly label: string;
  /** Why this target cannot run this case, or undefined. */
  unsupported(keyKind: KeyKind, valueKind: ValueKind): string | undefined;
  make(size: number): SingleSubject;
}

export interface SingleCaseResult {
  readonly op: SingleOp;
  readonly keyKind: KeyKind;
  readonly valueKind: ValueKind;
  readonly size: number;
  readonly target: string;
  /** ops/s of each run. */
  readonly runs: readonly number[];
  /** tinybench's relative margin of error (%) of each run. */
  readonly rmePct: readonly number[];
  readonly summary: Summary;
}

export interface SingleSkip {
  readonly target: string;
  readonly keyKind: KeyKind;
  readonly valueKind: ValueKind;
  readonly op?: SingleOp;
  readonly reason: string;
}

export const singleTargets: readonly SingleTarget[] = [
  { id: 'map', label: 'Map', unsupported: () => undefined, make: () => new MapSubject() },
  {
    id: 'sharded',
    label: 'ShardedMap',
    unsupported: () => undefined,
    make: () => new ShardedSubject({}),
  },
  {
    id: 'sharded-1',
    label: 'ShardedMap shards:1',
    unsupported: () => undefined,
    make: () => new ShardedSubject({ shards: 1 }),
  },
  {
    id: 'sharedmap',
    label: 'npm sharedmap',
    unsupported: (k, v) =>
      k === 'int' ? 'sharedmap keys are strings only' : v !== 'number' ? 'sharedmap values are strings/numbers only' : undefined,
    make: (size) => new SharedMapSubject(size),
  },
];

/**
 * Distinct keys in random order. int: scrambled 32-bit integers; str16: 16-char strings; built:
 * the ids 0..size-1, from which each call builds its key (builtKey).
 */
export function makeKeys(size: number, kind: KeyKind, seed: number): Key[] {
  const keys: Key[] = [];
  if (kind === 'built') {
    for (let i = 0; i < size; i++) keys.push(i);
    return shuffle(keys, splitmix32(seed));
  }
  for (let i = 0; i < size; i++) {
    let x = Math.imul(i ^ (i >>> 16), 0x7feb352d) >>> 0; // a bijection on uint32: keys stay distinct
    x = (x ^ (x >>> 15)) >>> 0;
    keys.push(kind === 'int' ? x : `k${x.toString(16).padStart(8, '0')}-${(i % 0xffffff).toString(36).padStart(6, '0')}`);
  }
  return shuffle(keys, splitmix32(seed));
}

function makeValues(size: number, kind: ValueKind): Value[] {
  const values: Value[] = [];
  for (let i = 0; i < size; i++) {
    values.push(
      kind === 'number' ? i : ({ id: i, name: `item-${i}`, score: i * 0.5, active: (i & 1) === 0 } satisfies SmallObject),
    );
  }
  return values;
}

/** Sink for results so the JIT cannot drop the calls being measured. */
let blackhole = 0;
const consume = (v: unknown): void => {
  blackhole = (blackhole + (v === undefined ? 1 : 2)) | 0;
};

/** The timed batch of `op`, plus the untimed fix-up that keeps the map's size constant. */
function taskFor(op: SingleOp, keyKind: KeyKind, s: SingleSubject, keys: Key[], values: Value[]) {
  const size = keys.length;
  let off = 0;
  const advance = (): void => {
    off = off + BATCH >= size ? 0 : off + BATCH;
  };
  const batches: Record<SingleOp, () => void> = {
    get: () => {
      for (let i = off, end = off + BATCH; i < end; i++) consume(s.get(keys[i]!));
    },
    has: () => {
      for (let i = off, end = off + BATCH; i < end; i++) consume(s.has(keys[i]!));
    },
    set: () => {
      for (let i = off, end = off + BATCH; i < end; i++) s.set(keys[i]!, values[i]!);
    },
    delete: () => {
      for (let i = off, end = off + BATCH; i < end; i++) consume(s.delete(keys[i]!));
    },
    loadOrStore: () => {
      for (let i = off, end = off + BATCH; i < end; i++) consume(s.loadOrStore(keys[i]!, values[i]!));
    },
    add: () => {
      for (let i = off, end = off + BATCH; i < end; i++) consume(s.add(keys[i]!, 1));
    },
  };
  const fn = keyKind === 'built' ? builtBatches(s, keys as number[], values, () => off)[op] : batches[op];
  if (op === 'delete') {
    return {
      fn,
      afterEach: () => {
        for (let i = off, end = off + BATCH; i < end; i++) s.set(keyAt(keyKind, keys, i), values[i]!);
        advance();
      },
    };
  }
  return {
    fn: () => {
      fn();
      advance();
    },
  };
}

/** A built key: a new string each call, as `'user:' + id + ':profile'` is in a service. */
const builtKey = (id: number): string => 'user:' + id + ':profile';
const keyAt = (kind: KeyKind, keys: Key[], i: number): Key => (kind === 'built' ? builtKey(keys[i] as number) : keys[i]!);

/** taskFor's batches for built keys: the same loops, each call building its key. */
function builtBatches(s: SingleSubject, ids: number[], values: Value[], offset: () => number): Record<SingleOp, () => void> {
  return {
    get: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) consume(s.get('user:' + ids[i]! + ':profile'));
    },
    has: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) consume(s.has('user:' + ids[i]! + ':profile'));
    },
    set: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) s.set('user:' + ids[i]! + ':profile', values[i]!);
    },
    delete: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) consume(s.delete('user:' + ids[i]! + ':profile'));
    },
    loadOrStore: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) consume(s.loadOrStore('user:' + ids[i]! + ':profile', values[i]!));
    },
    add: () => {
      for (let i = offset(), end = i + BATCH; i < end; i++) consume(s.add('user:' + ids[i]! + ':profile', 1));
    },
  };
}

export interface SingleSuiteResult {
  readonly results: SingleCaseResult[];
  readonly skipped: SingleSkip[];
}

/** One case, as a worker runs it (case-worker.ts): `settings.runs` runs of every op. */
export interface SingleCase {
  readonly settings: SingleSettings;
  readonly target: string;
  readonly keyKind: KeyKind;
  readonly valueKind: ValueKind;
  readonly size: number;
}

export interface SingleCaseOutcome {
  readonly results: SingleCaseResult[];
  readonly skipped: SingleSkip[];
}

/** Runs `c` in this thread. */
export function runCaseHere(c: SingleCase): SingleCaseOutcome {
  const target = singleTargets.find((t) => t.id === c.target);
  if (!target) throw new Error(`single: no target '${c.target}'`);
  const skipped: SingleSkip[] = [];
  const keys = makeKeys(c.size, c.keyKind, c.settings.seed);
  const values = makeValues(c.size, c.valueKind);
  const results = runCase(c.settings, target, keys, values, { keyKind: c.keyKind, valueKind: c.valueKind, size: c.size }, skipped);
  if (blackhole === 0x7fffffff) skipped.push({ ...c, reason: '' }); // keep the sink observable
  return { results, skipped };
}

/** Runs `c` in a fresh worker thread. */
function runCaseInWorker(c: SingleCase): Promise<SingleCaseOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./case-worker.js', import.meta.url), { workerData: c });
    let outcome: SingleCaseOutcome | undefined;
    worker.once('message', (m: SingleCaseOutcome) => (outcome = m));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      outcome ? resolve(outcome) : reject(new Error(`single ${c.target} ${c.keyKind}→${c.valueKind} ${c.size}: worker exited with ${code}`)),
    );
  });
}

export async function runSingleSuite(
  settings: SingleSettings,
  log: (line: string) => void,
): Promise<SingleSuiteResult> {
  const skipped: SingleSkip[] = [];
  const targets = singleTargets.filter((t) => !settings.targets || settings.targets.includes(t.id));
  const cases: SingleCase[] = [];
  for (const size of settings.sizes) {
    if (size % BATCH !== 0) throw new Error(`single-thread sizes must be multiples of ${BATCH}: ${size}`);
    for (const keyKind of KEY_KINDS) {
      for (const valueKind of ['number', 'object'] as const) {
        for (const target of targets) {
          const reason = target.unsupported(keyKind, valueKind);
          if (reason) skipped.push({ target: target.id, keyKind, valueKind, reason });
          else cases.push({ settings: { ...settings, runs: 1 }, target: target.id, keyKind, valueKind, size });
        }
      }
    }
  }
  // Round by round, every case once a round, each in its own worker.
  const byCase = new Map<string, SingleCaseResult>();
  for (let round = 0; round < settings.runs; round++) {
    for (const c of cases) {
      log(`single: round ${round + 1}/${settings.runs} ${c.target} ${c.keyKind}→${c.valueKind} size ${c.size}`);
      const outcome = await runCaseInWorker(c);
      if (round === 0) skipped.push(...outcome.skipped);
      for (const res of outcome.results) {
        const id = `${res.target} ${res.keyKind} ${res.valueKind} ${res.size} ${res.op}`;
        const seen = byCase.get(id);
        byCase.set(id, seen ? { ...seen, runs: [...seen.runs, ...res.runs], rmePct: [...seen.rmePct, ...res.rmePct] } : res);
      }
    }
  }
  const results = [...byCase.values()].map((res) => ({ ...res, summary: summarize(res.runs) }));
  return { results, skipped };
}

function runCase(
  settings: SingleSettings,
  target: SingleTarget,
  keys: Key[],
  values: Value[],
  where: { keyKind: KeyKind; valueKind: ValueKind; size: number },
  skipped: SingleSkip[],
): SingleCaseResult[] {
  const subject = target.make(where.size);
  for (let i = 0; i < keys.length; i++) subject.set(keyAt(where.keyKind, keys, i), values[i]!);
  const ops = SINGLE_OPS.filter((op) => {
    const reason = op === 'add' && where.valueKind !== 'number' ? 'add needs numeric values' : undefined;
    if (reason) skipped.push({ target: target.id, keyKind: where.keyKind, valueKind: where.valueKind, op, reason });
    return reason === undefined;
  });
  const tasks = ops.map((op) => ({ op, ...taskFor(op, where.keyKind, subject, keys, values) }));
  const perOp = new Map<SingleOp, { runs: number[]; rme: number[] }>(ops.map((op) => [op, { runs: [], rme: [] }]));
  for (let r = 0; r < settings.runs; r++) {
    const bench = new Bench({ time: settings.timeMs, warmupTime: settings.warmupMs, iterations: 4, warmupIterations: 2 });
    for (const t of tasks) bench.add(t.op, t.fn, t.afterEach ? { afterEach: t.afterEach } : {});
    bench.runSync();
    for (const task of bench.tasks) {
      const res = task.result;
      if (res.state !== 'completed') throw new Error(`single ${target.id} ${task.name}: ${res.state === 'errored' ? res.error.message : res.state}`);
      const slot = perOp.get(task.name as SingleOp)!;
      slot.runs.push((BATCH * 1000) / res.latency.mean);
      slot.rme.push(res.latency.rme);
    }
  }
  return ops.map((op) => {
    const { runs, rme } = perOp.get(op)!;
    return { op, ...where, target: target.id, runs, rmePct: rme, summary: summarize(runs) };
  });
}
