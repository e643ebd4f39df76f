/**
 * The mixed workload: reads, writes and full iterations that check themselves, for many threads on
 * one map — Web Workers, Node worker threads and a page's main thread, which runs it in slices
 * between frames (`step`). Platform-neutral: plain JS on the harness's pieces (the seeded PRNG and
 * self-describing values of keys.ts, the one target interface with the ShardedMap target, the
 * verdict of verify.ts), nothing Node-only, so pages bundle it as `@shardmap/harness/mixed-workload`.
 *
 * Each participant (a worker, or the page's main thread) owns the keys `${owner}:k${i}`,
 * i < keysPerWorker, and is the only one writing them. It keeps a private model of its own keys,
 * so every read of an own key must equal the model exactly — any lost, stale or torn write shows —
 * and every delete (and set, where the target can tell) must report presence as the model does.
 * Values are `valueFor(i, keysPerWorker, version)`, so a read of another owner's key, which may
 * race with its writer, can still be checked for shape: it is absent or a value of key i.
 *
 * Mix per op: `readPercent` reads (half own, half another owner's), the rest writes (3 of 4 set,
 * 1 of 4 delete); every `iterateEvery` ops one full `range()` that must visit each own key exactly
 * once with the model's value (no one else writes them, so they are present for the whole call)
 * and never a key twice. After each slice the writes of the slice are `add`ed to a shared
 * counter, so the counter's final value must equal the sum of all participants' writes
 * (`verifyMixedWorkload`), and the running op count is `set` under a progress key that the page
 * reads for live throughput.
 *
 * The map must take string keys and number values (the defaults, `'any'`, do); other entries in it
 * are left alone.
 */
import type { ShardedMap } from '@shardmap/core';
import { shardedMapTarget } from './adapters/sharded-map.js';
import { PROGRESS_UNIT } from './control.js';
import { createRandom, isValueOf, valueFor } from './keys.js';
import { requireOps, type MapTarget, type TargetWith } from './target.js';
import { compare, fail, pass, verdict, type Verification } from './verify.js';

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

/** What the mixed workload calls on its target; keys are strings, other entries any key. */
export type MixedTarget = TargetWith<'add' | 'range', MapTarget<unknown>>;

/** The target operations the mixed workload needs beyond get/set/delete. */
const NEEDS = ['add', 'range'] as const;
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
  readonly #target: MixedTarget;
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

  /** On a ShardedMap (through the ShardedMap target), or on any target with add() and range(). */
  constructor(map: ShardedMap | MapTarget<unknown>, options: MixedWorkloadOptions) {
    if (!/^[A-Za-z0-9]+$/.test(options.owner)) throw new TypeError(`MixedWorkload: owner must be letters and digits, got "${options.owner}"`);
    // Only the workload's own entries are read as numbers; range() hands every other value over as unknown.
    const target = 'handle' in map ? shardedMapTarget(map as ShardedMap<unknown, number>) : map;
    this.#target = requireOps(target, NEEDS, 'MixedWorkload');
    this.#owner = options.owner;
    this.#peers = (options.peers ?? []).filter((peer) => peer !== options.owner);
    this.#keys = options.keysPerWorker ?? 1024;
    this.#readPercent = options.readPercent ?? 80;
    this.#iterateEvery = options.iterateEvery ?? 50_000;
    this.#counterKey = options.counterKey ?? MIXED_COUNTER_KEY;
    this.#progressKey = options.progressKey ?? defaultProgressKey(options.owner);
    this.#random = createRandom(options.seed ?? hashString(options.owner), 0);
  }

  /** Runs `ops` operations, then publishes the slice's writes and the running op count. */
  step(ops: number): void {
    const started = performance.now();
    const writesBefore = this.#report.sets + this.#report.deletes;
    for (let done = 0; done < ops; done++) this.#one();
    const sliceWrites = this.#report.sets + this.#report.deletes - writesBefore;
    // Publish the slice's writes to the shared counter, then the progress others poll.
    if (sliceWrites > 0) this.#target.add(this.#counterKey, sliceWrites);
    this.#report.counterAdded += sliceWrites;
    this.#target.set(this.#progressKey, this.#report.ops);
    this.#elapsedMs += performance.now() - started;
  }

  /** Checks every own key against the model; adds failures to the report. */
  verify(): MixedWorkloadReport {
    for (let i = 0; i < this.#keys; i++) this.#checkOwn(i, this.#target.get(mixedKey(this.#owner, i)), 'final check');
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
      this.#checkOwn(index, this.#target.get(mixedKey(this.#owner, index)), 'get');
      return;
    }
    const peer = this.#peers[Math.floor((pick - 0.5) * 2 * this.#peers.length)] as string;
    this.#checkShape(peer, index, this.#target.get(mixedKey(peer, index)), 'get');
  }

  /** `pick` < 0.25 deletes, above it sets. */
  #write(index: number, pick: number): void {
    const key = mixedKey(this.#owner, index);
    const present = this.#model.has(index);
    if (pick < 0.25) {
      this.#report.deletes++;
      const existed = this.#target.delete(key);
      if (existed !== present) this.#fail(`delete(${key}) answered ${String(existed)}, model says ${present}`);
      this.#model.delete(index);
      return;
    }
    this.#report.sets++;
    const value = valueFor(index, this.#keys, ++this.#version);
    const inserted = this.#target.set(key, value);
    if (typeof inserted === 'boolean' && inserted === present) this.#fail(`set(${key}) answered new = ${inserted}, model says present = ${present}`);
    this.#model.set(index, value);
  }

  /** One `range()`: own keys exactly as modelled, peers' keys well-formed, no key twice. */
  #iterate(): void {
    this.#report.iterations++;
    const seen = new Set<unknown>();
    let ownVisited = 0;
    this.#target.range((key, value) => {
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
    if (actual !== undefined && !isValueOf(actual, index, this.#keys)) {
      this.#fail(`${where}(${mixedKey(owner, index)}) = ${describe(actual)}: not a value its owner writes`);
    }
  }

  #fail(message: string): void {
    if (this.#errors.length < MAX_ERRORS) this.#errors.push(`${this.#owner}: ${message}`);
  }
}

/**
 * Runs one participant's workload to its end (time or op budget) and verifies it. Takes the map
 * first, so a worker can offer it over comlink as is: `exposeMapWorker({ ...standardMapFunctions,
 * runMixedWorkload })`.
 */
export function runMixedWorkload(map: ShardedMap | MapTarget<unknown>, options: RunMixedWorkloadOptions): MixedWorkloadReport {
  const workload = new MixedWorkload(map, options);
  const deadline = performance.now() + (options.durationMs ?? 2000);
  const maxOps = options.maxOps ?? Number.POSITIVE_INFINITY;
  let ops = 0;
  // One slice between clock checks and progress publishes: ~0.1–1 ms of work, so the stop is prompt.
  while (ops < maxOps && performance.now() < deadline) {
    const slice = Math.min(PROGRESS_UNIT, maxOps - ops);
    workload.step(slice);
    ops += slice;
  }
  return workload.verify();
}

/**
 * The verdict on a whole run, once every participant has verified: no participant found a problem,
 * each did some work, and the shared counter holds exactly the writes they all added.
 * `counterValue` is the counter key's value read after the last participant finished.
 */
export function verifyMixedWorkload(reports: readonly MixedWorkloadReport[], counterValue: unknown): Verification {
  const errors = reports.flatMap((report) => report.errors);
  const idle = reports.filter((report) => report.ops === 0).map((report) => report.owner);
  const added = reports.reduce((sum, report) => sum + report.counterAdded, 0);
  return verdict(
    [
      errors.length === 0
        ? pass('checks', `every read, write and iteration of ${reports.length} participants matched their models`)
        : fail('checks', `${errors.length} problems found by the participants`),
      idle.length === 0 ? pass('ops', 'every participant ran ops') : fail('ops', `${idle.join(', ')} ran no ops`),
      compare('counter', 'shared counter = writes the participants added', added, counterValue),
    ],
    errors,
  );
}

/** A key or value as an error message shows it: strings quoted, so a garbled one is visible as such. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

/** FNV-1a of the owner's name: each owner's default seed, so their op sequences differ. */
function hashString(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}
