/**
 * Randomness and keys for the workload: a seeded PRNG, the uniform and Zipf key distributions,
 * how the key space is split between workers, and how values encode their key.
 *
 * Key space (all keys are integers, so every target can hold them):
 *
 *     0 ........................ keys-1 | keys ... keys+counters-1
 *     main keys: get/set/delete/update/range | counter keys: add only
 *
 * `shared` partition: every worker draws from all main keys. `disjoint`: worker w owns the keys
 * k ≡ w (mod threads) and never touches another worker's (bustle's per-thread key arrays), which
 * lets it check every result against an exact local model. Counter keys are always shared: they
 * are the contended part of the workload.
 *
 * Values: a main key k always holds `k + keys × tag` with tag ≥ 1, so any value read back names
 * the key it belongs to — a value found under the wrong key (a torn read, a misplaced slot) is
 * caught by `value % keys !== k`. Counter keys hold plain running totals.
 */

/** Largest key space: keeps `value = k + keys × tag` and the Zipf scramble exact in doubles. */
export const MAX_KEYS = 2 ** 26;

/**
 * xoshiro128** (Blackman & Vigna): 4 × 32-bit state, all-integer via Math.imul, period 2^128 − 1.
 * Chosen over Math.random because runs must be reproducible from a printed seed.
 */
export function createRandom(seed: number, stream: number): () => number {
  const next32 = splitMix32((seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
  let a = next32(), b = next32(), c = next32(), d = next32();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9);
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = rotl(d, 11);
    return (result >>> 0) / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * SplitMix32: uniform 32-bit unsigned integers from a 32-bit seed, all-integer via Math.imul. It
 * seeds createRandom's state so nearby seeds give unrelated streams; the bench draws its keys with it.
 */
export function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Draws an index in [0, n). */
export type IndexSampler = () => number;

/** Uniform over [0, n). */
export function uniformSampler(n: number, random: () => number): IndexSampler {
  return () => Math.floor(random() * n);
}

/**
 * Zipf over [0, n) with exponent theta (YCSB's ZipfianGenerator, after Gray et al., "Quickly
 * Generating Billion-Record Synthetic Databases", 1994): O(n) setup for zeta(n), O(1) per draw.
 * Rank r is then scrambled to index `r × M mod n` (M a prime above MAX_KEYS, so coprime to n)
 * so hot keys are spread over the key space instead of being 0, 1, 2, … — and over prefilled and
 * non-prefilled keys alike.
 */
export function zipfSampler(n: number, theta: number, random: () => number): IndexSampler {
  if (n === 1) return () => 0;
  const zetaN = zeta(n, theta);
  const zeta2 = zeta(2, theta);
  const alpha = 1 / (1 - theta);
  const eta = (1 - Math.pow(2 / n, 1 - theta)) / (1 - zeta2 / zetaN);
  const secondCut = 1 + Math.pow(0.5, theta);
  const multiplier = SCRAMBLE_PRIME % n;
  return () => {
    const u = random();
    const uz = u * zetaN;
    let rank: number;
    if (uz < 1) rank = 0;
    else if (uz < secondCut) rank = 1;
    else rank = Math.min(n - 1, Math.floor(n * Math.pow(eta * u - eta + 1, alpha)));
    // rank < n ≤ 2^26 and multiplier < n: the product stays below 2^52, exact.
    return (rank * multiplier) % n;
  };
}

/** A prime above MAX_KEYS (Knuth's multiplicative-hash constant), so coprime to any n ≤ MAX_KEYS. */
const SCRAMBLE_PRIME = 2654435761;

function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

/** The main keys one worker uses: `count` keys, index i ↦ `first + i × stride`. */
export interface KeySlice {
  readonly first: number;
  readonly stride: number;
  readonly count: number;
}

/** Worker `worker`'s slice of the main keys under the given partition. */
export function keySlice(partition: 'shared' | 'disjoint', keys: number, worker: number, threads: number): KeySlice {
  if (partition === 'shared') return { first: 0, stride: 1, count: keys };
  return { first: worker, stride: threads, count: Math.max(0, Math.ceil((keys - worker) / threads)) };
}

/** The keys worker `worker` inserts before the run: its share of the first `prefillCount` keys. */
export function prefillKeys(partition: 'shared' | 'disjoint', slice: KeySlice, prefill: number, worker: number, threads: number): number[] {
  const out: number[] = [];
  if (partition === 'disjoint') {
    const own = Math.floor(slice.count * prefill);
    for (let i = 0; i < own; i++) out.push(slice.first + i * slice.stride);
  } else {
    const total = Math.floor(slice.count * prefill);
    for (let k = worker; k < total; k += threads) out.push(k);
  }
  return out;
}

/** The value a main key holds for a given tag (≥ 1): it names its key, see the header. */
export function valueFor(key: number, keys: number, tag: number): number {
  return key + keys * tag;
}

/** Whether `value` is a value of main key `key`. */
export function isValueOf(value: unknown, key: number, keys: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= keys && value % keys === key;
}
