/**
 * A plain single-threaded model of the cache's eviction policy (src/cache/policy.ts and
 * src/cache/sketch.ts), written from the same specification with none of their machinery: each
 * list is a JS Map in access order (first key = least recent), the sketch one byte per counter.
 * The differential test (policy.test.ts) runs both on the same operations and compares every
 * victim; the bench may run it to try parameters (`Tuning`).
 */

/** Knobs the bench can turn to try a design; the defaults are the policy's constants. */
export interface Tuning {
  /** Climb every `periodFactor × maximum` requests (hits + misses). */
  periodFactor: number;
  /** Window limits as shares of maximum (at least one entry). */
  minWindowShare: number;
  maxWindowShare: number;
  /** Sketch aging: halve every `sampleFactor × maximum` additions. */
  sampleFactor: number;
  /** Initial window share. */
  initialWindowShare: number;
  adapt: 'climb' | 'ghost' | 'both';
  ghostStep: number;
  ghostFactor: number;
  stepShare: number;
  initialStepSign: number;
}

export const DEFAULT_TUNING: Tuning = {
  periodFactor: 10,
  minWindowShare: 0,
  maxWindowShare: 1,
  sampleFactor: 10,
  initialWindowShare: 0.01,
  adapt: 'climb',
  ghostStep: 1,
  ghostFactor: 2,
  stepShare: 1 / 16,
  initialStepSign: 1,
};

const ROW_SEEDS = [0x97cb3127, 0xa8f2b6e3, 0x2c1b3c6d, 0x297a2d39];
const ROW_MULS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f];

export class SketchModel {
  readonly counters: Uint8Array;
  readonly wordBits: number;
  additions = 0;
  constructor(
    readonly words: number,
    readonly sampleSize: number,
  ) {
    this.counters = new Uint8Array(words * 8);
    this.wordBits = Math.log2(words);
  }

  #counterIndex(hash: number, row: number): number {
    const h = Math.imul(hash ^ ROW_SEEDS[row]!, ROW_MULS[row]!) >>> 0;
    const word = this.wordBits === 0 ? 0 : h >>> (32 - this.wordBits);
    const nibble = (hash >>> (20 + row * 3)) & 7;
    return word * 8 + nibble;
  }

  frequency(hash: number): number {
    let f = 15;
    for (let r = 0; r < 4; r++) f = Math.min(f, this.counters[this.#counterIndex(hash, r)]!);
    return f;
  }

  increment(hash: number): void {
    let added = false;
    for (let r = 0; r < 4; r++) {
      const i = this.#counterIndex(hash, r);
      if (this.counters[i]! < 15) {
        this.counters[i]!++;
        added = true;
      }
    }
    if (added && ++this.additions >= this.sampleSize) this.#halve();
  }

  #halve(): void {
    let odd = 0;
    for (let i = 0; i < this.counters.length; i++) {
      odd += this.counters[i]! & 1;
      this.counters[i] = this.counters[i]! >>> 1;
    }
    this.additions = (this.additions - (odd >>> 2)) >>> 1;
  }
}

export const enum Seg {
  Free = 0,
  Window = 1,
  Probation = 2,
  Protected = 3,
}

export class PolicyModel {
  readonly window = new Map<number, true>();
  readonly probation = new Map<number, true>();
  readonly protected = new Map<number, true>();
  readonly hashes = new Map<number, number>();
  readonly sketch: SketchModel;
  windowMax: number;
  protectedMax: number;
  hits = 0;
  misses = 0;
  prevRate = 0;
  step: number;
  random = 0x2545f491;
  readonly period: number;
  readonly minWindow: number;
  readonly maxWindow: number;
  readonly ghost: Int32Array;
  readonly ghostBits: number;

  constructor(
    readonly maximum: number,
    readonly tuning: Tuning = DEFAULT_TUNING,
  ) {
    const words = Math.max(16, 2 ** Math.ceil(Math.log2(maximum)) * 2);
    this.sketch = new SketchModel(words, Math.max(16, Math.floor(maximum * tuning.sampleFactor)));
    this.minWindow = Math.max(1, Math.floor(maximum * tuning.minWindowShare));
    this.maxWindow = Math.max(this.minWindow, Math.floor(maximum * tuning.maxWindowShare));
    this.windowMax = Math.min(this.maxWindow, Math.max(this.minWindow, Math.floor(maximum * tuning.initialWindowShare)));
    this.protectedMax = this.#protectedFor(this.windowMax);
    this.period = Math.max(16, Math.floor(maximum * tuning.periodFactor));
    this.step = tuning.initialStepSign * Math.floor(maximum * 256 * tuning.stepShare);
    this.ghostBits = Math.max(4, Math.ceil(Math.log2(maximum * tuning.ghostFactor)));
    this.ghost = new Int32Array(2 ** this.ghostBits);
  }

  #ghostSlot(hash: number): number {
    return hash >>> (32 - this.ghostBits);
  }

  #bury(hash: number, fromWindow: boolean): void {
    this.ghost[this.#ghostSlot(hash)] = (hash & ~1) | (fromWindow ? 1 : 0) | 0;
  }

  #ghostHit(hash: number): void {
    const i = this.#ghostSlot(hash);
    const g = this.ghost[i]!;
    if (g === 0 || ((g ^ hash) & ~1) !== 0) return;
    this.ghost[i] = 0;
    const step = this.tuning.ghostStep;
    if ((g & 1) === 1) this.windowMax = Math.min(this.maxWindow, this.windowMax + step);
    else this.windowMax = Math.max(this.minWindow, this.windowMax - step);
    this.protectedMax = this.#protectedFor(this.windowMax);
  }

  #protectedFor(windowMax: number): number {
    return Math.floor(((this.maximum - windowMax) * 4) / 5);
  }

  get size(): number {
    return this.window.size + this.probation.size + this.protected.size;
  }

  segmentOf(node: number): Seg {
    if (this.window.has(node)) return Seg.Window;
    if (this.probation.has(node)) return Seg.Probation;
    if (this.protected.has(node)) return Seg.Protected;
    return Seg.Free;
  }

  onInsert(node: number, hash: number): number {
    this.sketch.increment(hash);
    this.misses++;
    if (this.tuning.adapt !== 'climb') this.#ghostHit(hash);
    this.hashes.set(node, hash);
    this.window.set(node, true);
    let victim = -1;
    if (this.size > this.maximum) victim = this.#evict();
    else if (this.window.size > this.windowMax) this.#moveFirst(this.window, this.probation);
    if (victim >= 0) this.#remove(victim);
    this.#tick();
    return victim;
  }

  #evict(): number {
    if (this.window.size > this.windowMax) {
      const candidate = this.#moveFirst(this.window, this.probation);
      const victim = first(this.probation);
      if (victim === candidate) return this.#buried(candidate, true);
      return this.#admit(this.hashes.get(candidate)!, this.hashes.get(victim)!) ? this.#buried(victim, false) : this.#buried(candidate, true);
    }
    return this.#buried(first(this.probation) ?? first(this.protected) ?? first(this.window)!, false);
  }

  #buried(node: number, fromWindow: boolean): number {
    if (this.tuning.adapt !== 'climb') this.#bury(this.hashes.get(node)!, fromWindow);
    return node;
  }

  #admit(candidate: number, victim: number): boolean {
    const cf = this.sketch.frequency(candidate);
    const vf = this.sketch.frequency(victim);
    if (cf > vf + 1) return true; // the policy's ADMIT_MARGIN
    if (cf <= 6) return false;
    return (this.#nextRandom() & 127) === 0;
  }

  #nextRandom(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x | 0;
    return this.random;
  }

  onAccess(node: number): void {
    const seg = this.segmentOf(node);
    if (seg === Seg.Free) return;
    if (seg !== Seg.Window) this.sketch.increment(this.hashes.get(node)!); // window hits are recency only
    this.hits++;
    if (seg === Seg.Window) touch(this.window, node);
    else if (seg === Seg.Protected) touch(this.protected, node);
    else {
      this.probation.delete(node);
      this.protected.set(node, true);
      this.#demoteOverflow();
    }
    this.#tick();
  }

  onRemove(node: number): void {
    if (this.segmentOf(node) !== Seg.Free) this.#remove(node);
  }

  clear(): void {
    this.window.clear();
    this.probation.clear();
    this.protected.clear();
    this.hashes.clear();
  }

  #remove(node: number): void {
    this.window.delete(node) || this.probation.delete(node) || this.protected.delete(node);
    this.hashes.delete(node);
  }

  #demoteOverflow(): void {
    while (this.protected.size > this.protectedMax) this.#moveFirst(this.protected, this.probation);
  }

  #moveFirst(from: Map<number, true>, to: Map<number, true>): number {
    const node = first(from)!;
    from.delete(node);
    to.set(node, true);
    return node;
  }

  #tick(): void {
    if (this.tuning.adapt !== 'ghost' && this.hits + this.misses >= this.period) this.#climb();
  }

  /** Hill climbing, in integers: rates in 1/65536, steps in 1/256 of an entry. */
  #climb(): void {
    const rate = Math.floor((this.hits * 65536) / (this.hits + this.misses));
    const change = rate - this.prevRate;
    const amount = change >= 0 ? this.step : -this.step;
    this.step = Math.abs(change) >= 3277 ? (amount >= 0 ? 1 : -1) * Math.floor(this.maximum * 256 * this.tuning.stepShare) : Math.trunc((amount * 98) / 100);
    this.prevRate = rate;
    this.hits = 0;
    this.misses = 0;
    const adjust = Math.trunc(amount / 256);
    if (adjust > 0) this.#growWindow(adjust);
    else if (adjust < 0) this.#shrinkWindow(-adjust);
  }

  #growWindow(by: number): void {
    this.windowMax = Math.min(this.maxWindow, this.windowMax + by);
    this.protectedMax = this.#protectedFor(this.windowMax);
    while (this.window.size < this.windowMax) {
      const from = this.probation.size > 0 ? this.probation : this.protected.size > 0 ? this.protected : undefined;
      if (!from) break;
      this.#moveFirst(from, this.window);
    }
    this.#demoteOverflow();
  }

  #shrinkWindow(by: number): void {
    this.windowMax = Math.max(this.minWindow, this.windowMax - by);
    this.protectedMax = this.#protectedFor(this.windowMax);
    while (this.window.size > this.windowMax) this.#moveFirst(this.window, this.probation);
  }
}

function first(m: Map<number, true>): number | undefined {
  for (const k of m.keys()) return k;
  return undefined;
}

function touch(m: Map<number, true>, node: number): void {
  m.delete(node);
  m.set(node, true);
}
