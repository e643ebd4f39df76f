/**
 * bustle's workloads (jonhoo/bustle, a port of libcuckoo's universal benchmark; the mixes are
 * conc-map-bench's): ReadHeavy, Exchange and RapidGrow.
 *
 * Faithful to bustle's `mix()`: every thread owns a private, power-of-two-sized array of distinct
 * random keys (threads never share keys); it prefills the first part before the barrier; ops
 * follow one shuffled 100-slot op vector; inserts take the next unused key and must be new;
 * removes take the oldest inserted key (FIFO) and must succeed; reads and updates pick keys with
 * a cheap LCG over the whole array and are checked against what must (or may) be present.
 */
import { deriveSeed, shuffle, splitmix32 } from '../../util/rng.js';
import type { MapTarget } from '../target.js';
import type { RunShape, SuiteSettings, ThreadContext, ThreadOutcome, Workload } from './types.js';

const READ = 0;
const INSERT = 1;
const REMOVE = 2;
const UPDATE = 3;

/** Percentages read / insert / remove / update (they sum to 100). */
export interface Mix {
  readonly read: number;
  readonly insert: number;
  readonly remove: number;
  readonly update: number;
}

interface BustleState {
  readonly keys: Float64Array;
  readonly opMix: Uint8Array;
  readonly prefilled: number;
  readonly ops: number;
}

/** The value every insert writes; bustle leaves values to the collection. */
const VALUE = 1;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Operations of a whole run: bustle's `capacity * ops_f`, times the target's scale. */
function totalOpsFor(settings: SuiteSettings, threads: number, opsScale: number): number {
  const capacity = 2 ** settings.bustle.capacityLog2;
  return Math.max(100 * threads, Math.floor(capacity * settings.bustle.opsFactor * opsScale));
}

/** bustle's sizing, from `Workload::run_silently`. */
function sizing(settings: SuiteSettings, mix: Mix, prefillFraction: number, threads: number, totalOps: number) {
  const capacity = 2 ** settings.bustle.capacityLog2;
  const prefill = Math.floor(capacity * prefillFraction);
  // No more than ceil(ops / 100) passes over the op vector, each inserting `insert` keys.
  const maxInsertOps = Math.ceil(totalOps / 100) * mix.insert;
  const insertKeys = Math.max(capacity, maxInsertOps) + prefill;
  const keysPerThread = nextPow2(Math.ceil(insertKeys / threads));
  return { capacity, prefill, keysPerThread, prefillPerThread: Math.floor(prefill / threads) };
}

/**
 * Distinct keys that look like uniform random 48-bit integers: the low 32 bits are a bijection
 * (xorshift-multiply steps, each invertible) of a global counter, so no two keys of any thread
 * collide; the high 16 bits are random. bustle draws random u64s and relies on luck instead.
 */
function makeKeys(count: number, threadIndex: number, seed: number): Float64Array {
  const rng = splitmix32(seed);
  const keys = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    let x = (threadIndex * count + j) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    keys[j] = (rng() & 0xffff) * 0x1_0000_0000 + x;
  }
  return keys;
}

function makeOpMix(mix: Mix, seed: number): Uint8Array {
  const ops: number[] = [];
  for (let i = 0; i < mix.read; i++) ops.push(READ);
  for (let i = 0; i < mix.insert; i++) ops.push(INSERT);
  for (let i = 0; i < mix.remove; i++) ops.push(REMOVE);
  for (let i = 0; i < mix.update; i++) ops.push(UPDATE);
  if (ops.length !== 100) throw new Error(`bustle: mix must sum to 100, got ${ops.length}`);
  return Uint8Array.from(shuffle(ops, splitmix32(seed)));
}

/** bustle's `mix()` loop. Returns failed checks and the thread's final live-key count. */
function runMix(m: MapTarget, s: BustleState): ThreadOutcome {
  const { keys, opMix } = s;
  const checked = !m.deferredResults;
  const nkeys = keys.length;
  const a = nkeys / 2 + 1;
  const c = nkeys / 4 - 1;
  const mask = nkeys - 1;
  let eraseSeq = 0;
  let insertSeq = s.prefilled;
  let findSeq = 0;
  let failures = 0;
  // bustle runs whole passes over the op vector: floor(ops / 100) * 100 operations.
  const ops = Math.floor(s.ops / 100) * 100;
  for (let i = 0; i < ops; i++) {
    switch (opMix[i % 100]) {
      case READ: {
        const found = m.get(keys[findSeq]!) !== undefined;
        if (checked && findSeq >= eraseSeq && found !== findSeq < insertSeq) failures++;
        findSeq = (a * findSeq + c) & mask;
        break;
      }
      case INSERT:
        if (!m.insert(keys[insertSeq]!, VALUE) && checked) failures++;
        insertSeq++;
        break;
      case REMOVE:
        if (eraseSeq === insertSeq) {
          // Nothing of ours is present: a remove must fail.
          if (m.delete(keys[findSeq]!) && checked) failures++;
          findSeq = (a * findSeq + c) & mask;
        } else {
          if (!m.delete(keys[eraseSeq]!) && checked) failures++;
          eraseSeq++;
        }
        break;
      case UPDATE: {
        const updated = m.updateIfPresent(keys[findSeq]!, VALUE);
        if (checked && findSeq >= eraseSeq && updated !== findSeq < insertSeq) failures++;
        findSeq = (a * findSeq + c) & mask;
        break;
      }
    }
  }
  return { ops, checkFailures: failures, sizeDelta: insertSeq - eraseSeq };
}

function bustleWorkload(name: string, description: string, mix: Mix, prefillFraction: number, hint: boolean): Workload<BustleState> {
  return {
    suite: 'bustle',
    name,
    description,
    usesResults: false,
    checksSize: true,
    shape(settings, threads, opsScale): RunShape {
      const totalOps = totalOpsFor(settings, threads, opsScale);
      const z = sizing(settings, mix, prefillFraction, threads, totalOps);
      return {
        totalOps,
        capacityHint: hint ? z.capacity : undefined,
        maxKeys: z.keysPerThread * threads,
      };
    },
    prepare(target, ctx: ThreadContext): BustleState {
      const z = sizing(ctx.settings, mix, prefillFraction, ctx.threads, ctx.totalOps);
      const keys = makeKeys(z.keysPerThread, ctx.threadIndex, deriveSeed(ctx.seed, 1, ctx.threadIndex));
      target.bulkInsert(keys, 0, z.prefillPerThread, VALUE);
      target.flush();
      return {
        keys,
        opMix: makeOpMix(mix, deriveSeed(ctx.seed, 2)),
        prefilled: z.prefillPerThread,
        ops: Math.floor(ctx.totalOps / ctx.threads),
      };
    },
    run: (target, state) => runMix(target, state),
  };
}

export const bustleWorkloads: readonly Workload[] = [
  bustleWorkload('ReadHeavy', 'read 98 / insert 1 / remove 1 / update 0, prefill 75%', { read: 98, insert: 1, remove: 1, update: 0 }, 0.75, true),
  bustleWorkload('Exchange', 'read 10 / insert 40 / remove 40 / update 10, prefill 75%', { read: 10, insert: 40, remove: 40, update: 10 }, 0.75, true),
  bustleWorkload('RapidGrow', 'read 5 / insert 80 / remove 5 / update 10, prefill 0, no capacity hint', { read: 5, insert: 80, remove: 5, update: 10 }, 0, false),
] as Workload[];
