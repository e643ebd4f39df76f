/**
 * A read/write/iterate workload that checks itself, for many threads on one map.
 *
 * Each participant (a worker, or the page's main thread) owns the keys `${owner}:k${i}`,
 * i < keysPerWorker, and is the only one writing them. It keeps a private model of its own keys,
 * so every read of an own key must equal the model exactly — any lost, stale or torn write shows.
 * Values are `i + keysPerWorker * version`, so a read of another owner's key, which may race with
 * its writer, can still be checked for shape: it is absent or congruent to i.
 *
 * Mix per op: `readPercent` reads (half own, half another owner's), the rest writes (3 of 4 set,
 * 1 of 4 delete); every `iterateEvery` ops one full `range()` that must visit each own key exactly
 * once with the model's value (no one else writes them, so they are present for the whole call)
 * and never a key twice. After each slice the writes of the slice are `add`ed to a shared
 * counter, so the counter's final value must equal the sum of all participants' writes, and the
 * running op count is `set` under a progress key that the page reads for live throughput.
 *
 * The map must take string keys and number values (the defaults, `'any'`, do).
 */
import type { ShardedMap } from '@shardmap/core';

export interface MixedWorkloadOptions {
  /** Names this participant's keys; unique per participant, e.g. `w0`, `w1`, `main`. Letters and digits. */
  owner: string;
  /** The other owners, whose keys are read (never written). */
  peers?: readonly string[];
  /** Keys owned by each participant (default 1024). */
  keysPerWorker?: number;
  /** Percentage of ops that read (default 80); the rest write. */
  readPercent?: number;
  /** One full `range()` per this many ops (default 50,000; 0 = never). */
  iterateEvery?: number;
  /** PRNG seed; the same seed replays the same op sequence (default derived from owner). */
  seed?: number;
  /** Where the writes are summed (default `mixed:writes`). */
  counterKey?: string;
  /** Where the running op count is published (default `mixed:progress:${owner}`). */
  progressKey?: string;
}

export interface MixedWorkloadReport {
  owner: string;
  ops: number;
  reads: number;
  sets: number;
  deletes: number;
  iterations: number;
  /** Total added to the counter key by this participant: its sets plus deletes. */
  counterAdded: number;
  elapsedMs: number;
  opsPerSecond: number;
  /** Verification failures, at most `MAX_ERRORS`; empty means every check passed. */
  errors: string[];
}

export interface RunMixedWorkloadOptions extends MixedWorkloadOptions {
  /** Stop after this long (default 2000 ms) … */
  durationMs?: number;
  /** … or after this many ops, whichever comes first. */
  maxOps?: number;
}

/** Ops between clock checks and progress publishes: ~0.1–1 ms of work, so the stop is prompt. */
const SLICE_OPS = 1024;
const MAX_ERRORS = 20;
const KEY_PATTERN = /^([A-Za-z0-9]+):k(\d+)$/;

/** The default counter every participant adds its writes to. */
export const MIXED_COUNTER_KEY = 'mixed:writes';

export function mixedKey(owner: string, index: number): string {
  return `${owner}:k${index}`;
}

export function defaultProgressKey(owner: string): string {
  return `mixed:progress:${owner}`;
}

/** One participant's workload, run in slices: `step()` from a loop or an animation frame. */
export class MixedWorkload {
  readonly #map: ShardedMap;
  readonly #owner: string;
  readonly #peers: readonly string[];
  readonly #keys: number;
  readonly #readPercent: number;
  readonly #iterateEvery: number;
  readonly #counterKey: string;
  readonly #progressKey: string;
  /** Own key index → value last written; absent = deleted or never written. */
  readonly #model = new Map<number, number>();
  readonly #errors: string[] = [];
  readonly #random: () => number;
  #version = 0;
  #sinceIteration = 0;
  #report = { ops: 0, reads: 0, sets: 0, deletes: 0, iterations: 0, counterAdded: 0 };
  #elapsedMs = 0;

  constructor(map: ShardedMap, options: MixedWorkloadOptions) {
    if (!/^[A-Za-z0-9]+$/.test(options.owner)) throw new TypeError(`MixedWorkload: owner must be letters and digits, got "${options.owner}"`);
    this.#map = map;
    this.#owner = options.owner;
    this.#peers = (options.peers ?? []).filter((peer) => peer !== options.owner);
    this.#keys = options.keysPerWorker ?? 1024;
    this.#readPercent = options.readPercent ?? 80;
    this.#iterateEvery = options.iterateEvery ?? 50_000;
    this.#counterKey = options.counterKey ?? MIXED_COUNTER_KEY;
    this.#progressKey = options.progressKey ?? defaultProgressKey(options.owner);
    this.#random = mulberry32(options.seed ?? hashString(options.owner));
  }

  /** Runs `ops` operations, then publishes the slice's writes and the running op count. */
  step(ops: number): void {
    const started = performance.now();
    const writesBefore = this.#report.sets + this.#report.deletes;
    for (let done = 0; done < ops; done++) this.#one();
    const sliceWrites = this.#report.sets + this.#report.deletes - writesBefore;
    // Publish the slice's writes to the shared counter, then the progress others poll.
    if (sliceWrites > 0) this.#map.add(this.#counterKey, sliceWrites);
    this.#report.counterAdded += sliceWrites;
    this.#map.set(this.#progressKey, this.#report.ops);
    this.#elapsedMs += performance.now() - started;
  }

  /** Checks every own key against the model; adds failures to the report. */
  verify(): MixedWorkloadReport {
    for (let i = 0; i < this.#keys; i++) this.#checkOwn(i, this.#map.get(mixedKey(this.#owner, i)), 'final check');
    return this.report();
  }

  report(): MixedWorkloadReport {
    const { ops } = this.#report;
    const opsPerSecond = this.#elapsedMs > 0 ? Math.round((ops * 1000) / this.#elapsedMs) : 0;
    return { owner: this.#owner, ...this.#report, elapsedMs: this.#elapsedMs, opsPerSecond, errors: [...this.#errors] };
  }

  #one(): void {
    this.#report.ops++;
    const isRead = this.#random() * 100 < this.#readPercent;
    const index = Math.floor(this.#random() * this.#keys);
    const pick = this.#random();
    if (isRead) this.#read(index, pick);
    else this.#write(index, pick);
    if (this.#iterateEvery > 0 && ++this.#sinceIteration >= this.#iterateEvery) {
      this.#sinceIteration = 0;
      this.#iterate();
    }
  }

  /** `pick` < 0.5 reads an own key; above, it also chooses which peer's. */
  #read(index: number, pick: number): void {
    this.#report.reads++;
    if (this.#peers.length === 0 || pick < 0.5) {
      this.#checkOwn(index, this.#map.get(mixedKey(this.#owner, index)), 'get');
      return;
    }
    const peer = this.#peers[Math.floor((pick - 0.5) * 2 * this.#peers.length)] as string;
    this.#checkShape(peer, index, this.#map.get(mixedKey(peer, index)), 'get');
  }

  /** `pick` < 0.25 deletes, above it sets. */
  #write(index: number, pick: number): void {
    const key = mixedKey(this.#owner, index);
    if (pick < 0.25) {
      this.#report.deletes++;
      const existed = this.#map.delete(key);
      if (existed !== this.#model.has(index)) this.#fail(`delete(${key}) answered ${existed}, model says ${this.#model.has(index)}`);
      this.#model.delete(index);
      return;
    }
    this.#report.sets++;
    const value = index + this.#keys * ++this.#version;
    this.#map.set(key, value);
    this.#model.set(index, value);
  }

  /** One `range()`: own keys exactly as modelled, peers' keys well-formed, no key twice. */
  #iterate(): void {
    this.#report.iterations++;
    const seen = new Set<unknown>();
    let ownVisited = 0;
    this.#map.range((key, value) => {
      if (seen.has(key)) this.#fail(`range visited ${describe(key)} twice`);
      seen.add(key);
      const match = typeof key === 'string' ? KEY_PATTERN.exec(key) : null;
      if (match === null) return;
      const owner = match[1] as string;
      const index = Number(match[2]);
      if (owner === this.#owner) {
        ownVisited++;
        this.#checkOwn(index, value, 'range');
      } else {
        this.#checkShape(owner, index, value, 'range');
      }
    });
    if (ownVisited !== this.#model.size) this.#fail(`range visited ${ownVisited} own keys, ${this.#model.size} are present`);
  }

  #checkOwn(index: number, actual: unknown, where: string): void {
    const expected = this.#model.get(index);
    if (!Object.is(actual, expected)) this.#fail(`${where}(${mixedKey(this.#owner, index)}) = ${describe(actual)}, expected ${describe(expected)}`);
  }

  #checkShape(owner: string, index: number, actual: unknown, where: string): void {
    if (actual === undefined) return;
    const wellFormed = typeof actual === 'number' && Number.isInteger(actual) && actual >= index && (actual - index) % this.#keys === 0;
    if (!wellFormed) this.#fail(`${where}(${mixedKey(owner, index)}) = ${describe(actual)}: not a value its owner writes`);
  }

  #fail(message: string): void {
    if (this.#errors.length < MAX_ERRORS) this.#errors.push(`${this.#owner}: ${message}`);
  }
}

/** Runs one participant's workload to its end (time or op budget) and verifies it. */
export function runMixedWorkload(map: ShardedMap, options: RunMixedWorkloadOptions): MixedWorkloadReport {
  const workload = new MixedWorkload(map, options);
  const deadline = performance.now() + (options.durationMs ?? 2000);
  const maxOps = options.maxOps ?? Number.POSITIVE_INFINITY;
  let ops = 0;
  while (ops < maxOps && performance.now() < deadline) {
    const slice = Math.min(SLICE_OPS, maxOps - ops);
    workload.step(slice);
    ops += slice;
  }
  return workload.verify();
}

/** A key or value as an error message shows it: strings quoted, so a garbled one is visible as such. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

/** mulberry32: a tiny seeded PRNG, uniform enough for picking ops and keys. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}
