/**
 * One workload thread's operations: choosing keys and values, calling the target, and checking
 * each result as it comes back. Split in two halves so an async target can be awaited between
 * them without a closure per op: `begin(code)` draws the key and calls the target; `end(code,
 * result)` checks and counts. Both run on the hot path, so state lives in fields, not objects.
 *
 * Checks made per op (see keys.ts for the value encoding):
 * - any value read for a main key must belong to that key;
 * - `add` results on a counter must grow by at least this thread's delta (all deltas are > 0);
 * - one `range` call must not visit a key twice;
 * - disjoint partition: nobody else touches this thread's keys, so every result must match an
 *   exact local model (get returns the last value written, set/delete report presence right).
 */
import type { MapTarget } from './target.js';
import { isValueOf, valueFor, type IndexSampler, type KeySlice } from './keys.js';
import type { WorkloadPlan } from './options.js';

/** Op codes: indices into OP_NAMES (module constants, so the switches compile to jumps). */
const GET = 0, SET = 1, DELETE = 2, UPDATE = 3, ADD = 4, RANGE = 5;

/** How many problems a thread describes in words (the rest are only counted). */
const MAX_EXAMPLES = 8;

export class WorkloadThread {
  readonly opCounts = [0, 0, 0, 0, 0, 0];
  inserted = 0;
  deleted = 0;
  setUnknown = 0;
  badValues = 0;
  rangeDuplicates = 0;
  rangeVisited = 0;
  modelMismatches = 0;
  addNotIncreasing = 0;
  readonly examples: string[] = [];
  readonly addDeltas: number[];
  /** Last `add` result seen per counter by this thread. */
  readonly #lastAdd: number[];
  /** Disjoint partition: value per own key index, NaN when absent. */
  readonly #model: Float64Array | undefined;

  // Per-op scratch, written by begin() and read by end().
  #index = 0;
  #key = 0;
  #value = 0;
  #counter = 0;
  #delta = 0;
  #updateSaw: number | undefined = undefined;
  #rangeSeen = new Set<number>();
  #rangeLeft = 0;

  constructor(
    private readonly target: MapTarget,
    private readonly plan: WorkloadPlan,
    private readonly slice: KeySlice,
    private readonly sampler: IndexSampler,
    private readonly random: () => number,
  ) {
    this.addDeltas = new Array<number>(plan.counters).fill(0);
    this.#lastAdd = new Array<number>(plan.counters).fill(0);
    this.#model = plan.partition === 'disjoint' ? new Float64Array(slice.count).fill(NaN) : undefined;
  }

  /** Records a prefilled key in the model (disjoint partition). */
  prefilled(key: number, value: number): void {
    if (this.#model) this.#model[(key - this.slice.first) / this.slice.stride] = value;
  }

  /** Draws what op `code` needs and calls the target; returns its result (maybe a promise). */
  begin(code: number): unknown {
    const target = this.target;
    switch (code) {
      case ADD:
        this.#counter = Math.floor(this.random() * this.plan.counters);
        this.#delta = 1 + Math.floor(this.random() * 8);
        return target.add!(this.plan.keys + this.#counter, this.#delta);
      case RANGE:
        this.#rangeSeen.clear();
        this.#rangeLeft = this.plan.rangeLength;
        return target.range!(this.#visitRange);
    }
    this.#index = this.sampler();
    this.#key = this.slice.first + this.#index * this.slice.stride;
    switch (code) {
      case GET:
        return target.get(this.#key);
      case SET:
        this.#value = valueFor(this.#key, this.plan.keys, 1 + Math.floor(this.random() * 0x100000));
        return target.set(this.#key, this.#value);
      case DELETE:
        return target.delete(this.#key);
      default:
        this.#updateSaw = undefined;
        return target.update!(this.#key, this.#updateValue);
    }
  }

  /** Checks and counts the result of the op begun last. */
  end(code: number, result: unknown): void {
    this.opCounts[code]! += 1;
    switch (code) {
      case GET: return this.#endGet(result);
      case SET: return this.#endSet(result);
      case DELETE: return this.#endDelete(result);
      case UPDATE: return this.#endUpdate();
      case ADD: return this.#endAdd(result);
    }
  }

  #endGet(value: unknown): void {
    if (value !== undefined && !isValueOf(value, this.#key, this.plan.keys)) this.#badValue('get', value);
    if (this.#model) this.#checkModel('get', value === this.#modelValue());
  }

  #endSet(result: unknown): void {
    if (result === true) this.inserted++;
    else if (result !== false) this.setUnknown++;
    if (this.#model) {
      if (typeof result === 'boolean') this.#checkModel('set', result === (this.#modelValue() === undefined));
      this.#model[this.#index] = this.#value;
    }
  }

  #endDelete(result: unknown): void {
    if (result === true) this.deleted++;
    if (this.#model) {
      this.#checkModel('delete', result === (this.#modelValue() !== undefined));
      this.#model[this.#index] = NaN;
    }
  }

  #endUpdate(): void {
    const saw = this.#updateSaw;
    if (saw !== undefined && !isValueOf(saw, this.#key, this.plan.keys)) this.#badValue('update', saw);
    if (this.#model) {
      this.#checkModel('update', saw === this.#modelValue());
      this.#model[this.#index] = saw === undefined ? NaN : saw + this.plan.keys;
    }
  }

  #endAdd(result: unknown): void {
    const counter = this.#counter;
    this.addDeltas[counter]! += this.#delta;
    const floor = this.#lastAdd[counter]! + this.#delta;
    if (typeof result !== 'number' || result < floor) {
      this.addNotIncreasing++;
      this.#example(`add(counter ${counter}, ${this.#delta}) returned ${String(result)}, expected at least ${floor}`);
    }
    if (typeof result === 'number') this.#lastAdd[counter] = result;
  }

  /** The runner's update: give an existing key a new value of the same key; never insert. */
  readonly #updateValue = (current: number | undefined): number | undefined => {
    this.#updateSaw = current;
    return current === undefined ? undefined : current + this.plan.keys;
  };

  /** Checks one visited entry; stops the range after rangeLength entries. */
  readonly #visitRange = (key: number, value: unknown): boolean => {
    this.rangeVisited++;
    if (this.#rangeSeen.has(key)) {
      this.rangeDuplicates++;
      this.#example(`range visited key ${key} twice`);
    }
    this.#rangeSeen.add(key);
    if (!entryIsValid(key, value, this.plan)) this.#badValue('range', value, key);
    return --this.#rangeLeft > 0;
  };

  #modelValue(): number | undefined {
    const value = this.#model![this.#index]!;
    return Number.isNaN(value) ? undefined : value;
  }

  #checkModel(op: string, ok: boolean): void {
    if (ok) return;
    this.modelMismatches++;
    this.#example(`${op}(${this.#key}) disagrees with this thread's model (expected value ${String(this.#modelValue())})`);
  }

  #badValue(op: string, value: unknown, key = this.#key): void {
    this.badValues++;
    this.#example(`${op}(${key}) saw value ${String(value)}, which does not belong to key ${key}`);
  }

  #example(text: string): void {
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(text);
  }
}

/** Whether (key, value) can be an entry of the workload's key space: used by range and the final scan. */
export function entryIsValid(key: unknown, value: unknown, plan: WorkloadPlan): boolean {
  if (typeof key !== 'number' || !Number.isInteger(key) || key < 0) return false;
  if (key < plan.keys) return isValueOf(value, key, plan.keys);
  return key < plan.keys + plan.counters && typeof value === 'number';
}
